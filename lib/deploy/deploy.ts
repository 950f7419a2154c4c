import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BerthError, CancelledError, ServiceFailedError, throwIfAborted } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { ResolvedProfile } from '../profile/model.js';
import { planDeploy, type PlanAction } from '../plan/plan.js';
import type { ImageStore, Runtime } from '../runtime/types.js';
import { BootstrapMarkers } from '../state/bootstrap-markers.js';
import { Timings } from '../state/timings.js';
import { startImages, type ImagePipeline } from './images.js';
import { describeLeftovers } from './leftovers.js';
import { removeOrphan } from './orphans.js';
import { existingVolumes } from './plan-only.js';
import { checkHostPorts } from './ports.js';
import { applyActions } from './schedule.js';

export interface DeployOptions {
  runtime: Runtime;
  profile: ResolvedProfile;
  bus: EventBus;
  signal?: AbortSignal;
  /** Services started at once; the rest wait their turn. */
  concurrency?: number;
  /** Image builds at once: builds are CPU-bound and these machines have two cores. */
  buildConcurrency?: number;
  /** Rebuild images even when the build context is unchanged. */
  forceBuild?: boolean;
  /** Rebuild every image without the builder's cache, so package installs fetch what is current. */
  refreshPackages?: boolean;
  /**
   * Where the profile's shared images (the client image) are built when the runtime has no image store of
   * its own: the Docker engine client checks run on (client-engine.ts). Without either they are not built.
   */
  clientImages?: ImageStore;
}

export interface DeployResult {
  actions: PlanAction[];
  durationMs: number;
}

/**
 * Converge the project to the profile: images, plan, then every service along the dependency graph,
 * in parallel where the graph allows, each gated on its dependencies' conditions.
 * On failure what is healthy keeps running and the error names the service with its logs.
 */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const { runtime, profile, bus } = opts;
  const started = Date.now();
  let images: ImagePipeline | undefined;
  // The engine round-trips a no-op needs run together; an unreachable engine still reports as such.
  // Throwaway containers an earlier, killed run left go first: their tasks were never marked done, so
  // they run again, and nothing keeps holding the volumes they mounted.
  const [engine, actual, volumes, leftovers] = await Promise.allSettled([
    runtime.info(opts.signal),
    runtime.list(profile.project),
    existingVolumes(runtime, profile),
    runtime.removeLeftovers(profile.project),
  ]);
  if (engine.status === 'rejected') throw engine.reason;
  bus.emit({
    type: 'deploy.start',
    profile: profile.name,
    project: profile.project,
    runtime: runtime.name,
    engine: `${engine.value.name} ${engine.value.version}`,
    steps: profile.steps,
  });
  for (const text of profile.warnings) bus.emit({ type: 'message', level: 'warn', text });
  try {
    if (actual.status === 'rejected') throw actual.reason;
    if (volumes.status === 'rejected') throw volumes.reason;
    if (leftovers.status === 'rejected') throw leftovers.reason;
    if (leftovers.value.length) {
      bus.emit({
        type: 'message',
        level: 'warn',
        text: `removed ${describeLeftovers(leftovers.value)} left by an interrupted run`,
      });
    }
    await checkHostPorts(profile.services, actual.value);
    images = await startImages(opts);
    const actions = planDeploy({
      services: profile.services,
      actual: actual.value,
      imageIds: images.planned,
      rebuilds: images.rebuilds,
      volumes: volumes.value,
    });
    const timings = new Timings(profile.stateDir);
    bus.emit({
      type: 'plan',
      actions: actions.map(({ service, action, reasons }) => ({ service, action, reasons })),
      history: timings.read(),
      buildHistory: new Timings(profile.stateDir, 'build-timings.json').read(),
    });
    throwIfAborted(opts.signal);

    await runtime.prepare(profile.project, profile.services);
    const markers = new BootstrapMarkers(profile.stateDir);
    for (const orphan of actions.filter((a) => a.action === 'remove'))
      await removeOrphan(runtime, orphan, bus, markers);
    const durations = await applyActions(opts, actions, images);
    await images.bases;
    timings.record(durations);
    writeHostFiles(profile);
    const durationMs = Date.now() - started;
    bus.emit({ type: 'deploy.done', durationMs, services: profile.services.length });
    return { actions, durationMs };
  } catch (err) {
    // Builds nobody waits for any more stop; the deploy returns once they have.
    images?.cancel();
    await images?.settled;
    const e = opts.signal?.aborted ? new CancelledError() : (err as Error);
    bus.emit({
      type: 'deploy.failed',
      durationMs: Date.now() - started,
      service: e instanceof ServiceFailedError ? e.service : undefined,
      message: e.message,
      hint: e instanceof BerthError ? e.hint : undefined,
      logs: e instanceof ServiceFailedError ? e.logs : undefined,
      cancelled: e instanceof CancelledError,
    });
    throw e;
  }
}

/** clouds.yaml and friends: secrets inside, so 0600 in the 0700 state directory. */
function writeHostFiles(profile: ResolvedProfile): void {
  for (const f of profile.hostFiles) {
    const file = join(profile.stateDir, f.target);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, f.content, { mode: f.mode });
    chmodSync(file, f.mode);
  }
}
