import { requireCapability } from '../runtime/capabilities.js';
import { createAndAwaitHealthy, removeInstances } from '../services/operations.js';
import { BerthError, ServiceFailedError } from '../errors.js';
import { deploy, type DeployOptions, type DeployResult } from '../deploy/deploy.js';
import { instanceLabels } from '../plan/labels.js';
import type { Instance, Runtime } from '../runtime/types.js';
import { DeployedRecord, type DeployedService } from '../state/deployed-record.js';
import type { EventBus } from '../events/bus.js';

export interface UpdateOptions extends DeployOptions {
  /** Put a service that fails its update back on the image and config it had (default), or leave it for debugging. */
  rollback: boolean;
}

/** The update stopped at a service that failed and was put back: reported after the failure itself. */
export class UpdateRolledBackError extends BerthError {
  constructor(message: string, hint: string) {
    super(message, hint);
    this.name = 'UpdateRolledBackError';
  }
}

/** The tag that keeps a service's previous image alive while an update moves the service's own tag. */
export function rollbackTag(project: string, service: string): string {
  return `berth-rollback/${project}/${service}:previous`;
}

/**
 * A minor update: new images (rebuilt, or refreshed with --refresh) or new parameters, applied one
 * service at a time in dependency order, each health-gated before the next. Data volumes are never
 * touched. A service that fails is rolled back to what it ran before, and the update stops there:
 * services updated before it stay updated (they passed their health checks), the rest are untouched.
 */
export async function update(opts: UpdateOptions): Promise<DeployResult> {
  const { runtime, profile, bus } = opts;
  const images = requireCapability(
    runtime,
    'images',
    "berth update (it keeps each service's previous image, to roll back to)",
    'Update a host deployment by deploying again; move it into containers with "berth upgrade --from host".',
  );
  const before = await runtime.list(profile.project);
  if (before.length === 0) {
    throw new BerthError(
      `project ${profile.project} has nothing deployed to update`,
      'Run "berth deploy" first; "berth update" changes a running deployment.',
    );
  }
  for (const i of before) await images.tagImage(i.imageId, rollbackTag(profile.project, i.service));
  const record = new DeployedRecord(profile.stateDir);
  try {
    return await deploy({ ...opts, concurrency: 1 });
  } catch (err) {
    if (!(err instanceof ServiceFailedError)) throw err;
    const previous = record.get(err.service);
    const old = before.find((i) => i.service === err.service);
    if (!opts.rollback) {
      bus.emit({
        type: 'message',
        level: 'warn',
        text: `${err.service} left as it failed (--no-rollback); its previous image is ${rollbackTag(profile.project, err.service)}`,
      });
      throw err;
    }
    if (!previous || !old) {
      bus.emit({
        type: 'message',
        level: 'warn',
        text: `${err.service} is new in this update: there is nothing to roll it back to`,
      });
      throw err;
    }
    await rollBack(runtime, profile.project, previous, old, bus, opts.signal);
    throw new UpdateRolledBackError(
      `update stopped: ${err.service} failed (${err.message.replace(`service ${err.service}: `, '')}) and was rolled back to its previous image and config; services after it were not updated`,
      `Its logs from the failed attempt are above. Fix the cause and run "berth update" again. Schema migrations its bootstrap ran are not undone.`,
    );
  }
}

/** Recreate the service from its recorded definition on the image it ran before, and wait until it is healthy. */
async function rollBack(
  runtime: Runtime,
  project: string,
  previous: DeployedService,
  old: Instance,
  bus: EventBus,
  signal?: AbortSignal,
): Promise<void> {
  const name = previous.service.name;
  bus.emit({ type: 'rollback', service: name, phase: 'start', detail: `image ${old.imageId.slice(7, 19)}` });
  await removeInstances(runtime, project, previous.service);
  // The failed build moved the service's tag; put it back so a plan of the old profile is a no-op again.
  await requireCapability(runtime, 'images', 'a rollback').tagImage(old.imageId, previous.service.image);
  await createAndAwaitHealthy(runtime, project, previous.service, instanceLabels(previous.service), {
    signal,
    prefix: 'rollback failed too: ',
    hint: 'Inspect it with "berth logs"; the data volumes are untouched.',
  }).catch((err: Error) => {
    bus.emit({ type: 'rollback', service: name, phase: 'failed', detail: err.message });
    throw err;
  });
  bus.emit({
    type: 'rollback',
    service: name,
    phase: 'done',
    detail: previous.service.healthcheck ? 'healthy on its previous image' : 'running on its previous image',
  });
}
