import type { PlanActionKind } from '../events/types.js';
import type { ResolvedService } from '../profile/model.js';
import type { Instance } from '../runtime/types.js';
import { configHash } from './hash.js';
import { isOneShot } from '../services/operations.js';

export interface PlanAction {
  service: string;
  action: PlanActionKind;
  reasons: string[];
  /** The existing instances this action replaces, starts, keeps or removes. */
  instances: Instance[];
  configHash?: string;
}

export interface PlanInput {
  services: readonly ResolvedService[];
  actual: readonly Instance[];
  /** Image ID each service will run; undefined when it is not built yet. */
  imageIds: ReadonlyMap<string, string | undefined>;
  /** Services whose image will be (re)built before deploy, because their build context changed. */
  rebuilds?: ReadonlySet<string>;
  /** Unprefixed names of the project's named volumes that exist. */
  volumes: ReadonlySet<string>;
}

/**
 * Desired versus actual, per service: what to create, recreate (and why), start, keep or remove.
 * Services come in dependency order, so a recreate can ripple to dependents that declared `restart`.
 */
export function planDeploy(input: PlanInput): PlanAction[] {
  const actions: PlanAction[] = [];
  const recreated = new Set<string>();
  for (const service of input.services) {
    const hash = configHash(service);
    const mine = input.actual.filter((i) => i.service === service.name);
    const imageId = input.imageIds.get(service.name);
    if (mine.length === 0) {
      actions.push({
        service: service.name,
        action: 'create',
        reasons: ['not deployed'],
        instances: [],
        configHash: hash,
      });
      recreated.add(service.name);
      continue;
    }
    const reasons: string[] = [];
    if (mine.length > 1) reasons.push(`${mine.length} containers for one service`);
    const current = mine[0]!;
    if (current.configHash !== hash) reasons.push('config changed');
    // Created but never started: an earlier run stopped before it finished preparing it (its config
    // files may never have been copied in), so starting it as it is would fail the same way every time.
    if (current.status === 'created') reasons.push('never started (an earlier deploy stopped while preparing it)');
    if (input.rebuilds?.has(service.name)) reasons.push('image rebuilt (build context changed)');
    else if (imageId && current.imageId !== imageId) reasons.push('image changed');
    for (const v of service.volumes) {
      if (v.type === 'volume' && (!input.volumes.has(v.source) || !current.volumes.includes(v.source)))
        reasons.push(`volume ${v.source} missing`);
    }
    for (const dep of service.dependsOn) {
      if (dep.restart && recreated.has(dep.service)) reasons.push(`dependency ${dep.service} recreated`);
    }
    if (reasons.length > 0) {
      actions.push({ service: service.name, action: 'recreate', reasons, instances: mine, configHash: hash });
      recreated.add(service.name);
    } else if (!current.running && !(isOneShot(service) && current.exitCode === 0)) {
      actions.push({
        service: service.name,
        action: 'start',
        reasons: [`${current.status}`],
        instances: mine,
        configHash: hash,
      });
    } else {
      actions.push({ service: service.name, action: 'keep', reasons: [], instances: mine, configHash: hash });
    }
  }
  const desired = new Set(input.services.map((s) => s.name));
  const orphans = new Map<string, Instance[]>();
  for (const instance of input.actual) {
    if (!desired.has(instance.service))
      orphans.set(instance.service, [...(orphans.get(instance.service) ?? []), instance]);
  }
  for (const [service, instances] of [...orphans].sort(([a], [b]) => a.localeCompare(b))) {
    actions.push({ service, action: 'remove', reasons: ['no longer in the profile'], instances });
  }
  return actions;
}

export function isNoop(actions: readonly PlanAction[]): boolean {
  return actions.every((a) => a.action === 'keep');
}
