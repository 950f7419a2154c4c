import type { ResolvedService } from '../profile/model.js';
import { compileRules, matchRules, strongest, type CompiledRule, type DevAction } from '../watch/rules.js';
import type { FileEvent } from '../watch/watcher.js';

export interface ServiceWork {
  service: string;
  action: DevAction;
  files: string[];
  /** Container paths of changed files, for sync. */
  sync: { hostPath: string; target: string }[];
  commands: string[][];
}

export interface WatchedSource {
  service: string;
  root: string;
  target: string;
  rules: CompiledRule[];
}

/** Which (service, tree) pairs watch what: one tree may feed several services. */
export function watchedSources(services: readonly ResolvedService[]): WatchedSource[] {
  return services.flatMap((s) =>
    (s.dev?.sources ?? []).map((src) => ({
      service: s.name,
      root: src.path,
      target: src.target,
      rules: compileRules(s.dev!.rules.length ? s.dev!.rules : [{ paths: ['**/*'], action: 'restart', ignore: [] }]),
    })),
  );
}

/**
 * A batch of file events becomes the smallest set of per-service actions: the strongest per service.
 * Files a `warn` rule matches restart nothing; each gives one notice (`notices`, when passed).
 */
export function planBatch(
  events: readonly FileEvent[],
  sources: readonly WatchedSource[],
  notices?: Set<string>,
): ServiceWork[] {
  const byService = new Map<string, ServiceWork>();
  for (const e of events) {
    for (const src of sources) {
      if (src.root !== e.root) continue;
      const hit = matchRules(src.rules, e.rel);
      if (!hit) continue;
      if (hit.rule.action === 'warn') {
        notices?.add(`${e.rel}: ${hit.rule.message ?? 'changes here restart nothing'}`);
        continue;
      }
      const action = hit.rule.action;
      const work = byService.get(src.service) ?? {
        service: src.service,
        action,
        files: [],
        sync: [],
        commands: [],
      };
      work.action = strongest(work.action, action)!;
      const file = `${e.root}/${e.rel}`;
      if (!work.files.includes(file)) work.files.push(file);
      if (hit.rule.action === 'sync')
        work.sync.push({ hostPath: file, target: `${(hit.rule.target ?? src.target).replace(/\/$/, '')}/${e.rel}` });
      if (
        hit.rule.action === 'exec' &&
        hit.rule.command &&
        !work.commands.some((c) => c.join('\0') === hit.rule.command!.join('\0'))
      )
        work.commands.push(hit.rule.command);
      byService.set(src.service, work);
    }
  }
  return [...byService.values()];
}
