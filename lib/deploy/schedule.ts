import { setMaxListeners } from 'node:events';
import { CancelledError, EngineTimeoutError, ServiceFailedError, throwIfAborted } from '../errors.js';
import { chainLengths } from '../graph/chains.js';
import { probeOnce, type ProbeResult } from '../health/probe.js';
import type { PlanAction } from '../plan/plan.js';
import type { ResolvedService } from '../profile/model.js';
import { BootstrapMarkers } from '../state/bootstrap-markers.js';
import { DeployedRecord } from '../state/deployed-record.js';
import { applyOne } from './apply-service.js';
import { dataGenerations } from './data-generation.js';
import type { DeployOptions } from './deploy.js';
import { gate, raceAbort } from './gate.js';
import { ImageBuildError, type ImagePipeline } from './images.js';
import { PrioritySlots } from './priority-slots.js';

/** Applies the plan; returns how long each created, recreated or started service took to be ready. */
export async function applyActions(
  opts: DeployOptions,
  actions: PlanAction[],
  images: ImagePipeline,
): Promise<Record<string, number>> {
  const durations: Record<string, number> = {};
  const { runtime, profile, bus } = opts;
  const markers = new BootstrapMarkers(profile.stateDir);
  const deployed = new DeployedRecord(profile.stateDir);
  // On two cores the slots are the bottleneck: when several services are ready, the one with the
  // longest chain of dependents behind it goes first (critical-path scheduling).
  const slots = new PrioritySlots(opts.concurrency ?? 6);
  const priority = chainLengths(profile.services);
  // The first failure stops services still waiting on dependencies or for a slot. Work already running
  // elsewhere (a schema migration, say) finishes: killing it halfway would corrupt what it migrates.
  // Only the user's Ctrl-C (opts.signal) cancels work in flight.
  const failure = new AbortController();
  const signal = AbortSignal.any([failure.signal, ...(opts.signal ? [opts.signal] : [])]);
  // Every service waits on this signal for each of its dependencies: far more than the default 10.
  setMaxListeners(0, signal);
  const inFlight = opts.signal ?? new AbortController().signal;
  const started = new Map(profile.services.map((s) => [s.name, gate()]));
  const ready = new Map(profile.services.map((s) => [s.name, gate()]));
  const byName = new Map(actions.map((a) => [a.service, a]));
  const dataGeneration = dataGenerations(profile.services, await runtime.volumeGenerations(profile.project));
  const early = earlyProbes(opts, actions, inFlight);
  // Kept, and so is everything they depend on, all the way down: only their early probes saw the state they keep.
  const undisturbed = new Set<string>();

  const run = async (service: ResolvedService) => {
    let action = byName.get(service.name)!;
    try {
      const waitsFor = [
        ...service.dependsOn.map((d) => `${d.service} (${d.condition})`),
        ...(images.isReady(service.name) ? [] : [`its image (${service.image})`]),
      ];
      if (waitsFor.length)
        bus.emit({ type: 'service.state', service: service.name, state: 'waiting', detail: waitsFor.join(', ') });
      const [imageId] = await Promise.all([
        raceAbort(images.ready(service.name), signal),
        ...service.dependsOn.map((d) =>
          raceAbort((d.condition === 'started' ? started : ready).get(d.service)!.promise, signal),
        ),
      ]);
      action = settleAction(action, imageId);
      const calm = action.action === 'keep' && service.dependsOn.every((d) => undisturbed.has(d.service));
      await slots.run(priority.get(service.name) ?? 0, async () => {
        if (signal.aborted) throw new CancelledError();
        const t0 = Date.now();
        await applyOne(service, action, {
          runtime,
          profile,
          bus,
          signal: inFlight,
          markers,
          imageId,
          dataGeneration: dataGeneration.get(service.name)!,
          started: started.get(service.name)!,
          earlyProbe: calm ? early.get(service.name) : undefined,
        });
        if (calm) undisturbed.add(service.name);
        if (action.action !== 'keep') durations[service.name] = Date.now() - t0;
        if (action.action !== 'keep' || !deployed.get(service.name)) deployed.record({ service, imageId });
      });
      ready.get(service.name)!.resolve();
    } catch (caught) {
      // A stuck engine call is named with the service it was made for.
      const err =
        caught instanceof EngineTimeoutError
          ? new ServiceFailedError(service.name, caught.message, [], caught.hint)
          : caught;
      started.get(service.name)!.reject(err);
      ready.get(service.name)!.reject(err);
      if (!(err instanceof CancelledError) && !signal.aborted) {
        bus.emit({ type: 'service.state', service: service.name, state: 'failed', detail: (err as Error).message });
        // A failed build fails what runs its image and what depends on that; the rest goes on.
        if (!(err instanceof ImageBuildError)) failure.abort(err);
      }
      throw err;
    }
  };
  const results = await Promise.allSettled(profile.services.map(run));
  throwIfAborted(opts.signal);
  if (failure.signal.aborted) throw failure.signal.reason;
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return durations;
}

/**
 * A no-op redeploy still checks that every kept service answers. Those checks read state and change nothing,
 * so they all start at once instead of one dependency level after another (three waves of exec probes were
 * most of a no-op undercloud redeploy); a service is still reported ready only after its dependencies. Only a
 * service whose whole dependency chain is kept is probed early: one below a recreated service is probed after it,
 * as before, since its early answer would predate that restart.
 */
function earlyProbes(
  opts: DeployOptions,
  actions: PlanAction[],
  signal: AbortSignal,
): Map<string, Promise<ProbeResult>> {
  const actionOf = new Map(actions.map((a) => [a.service, a]));
  const kept = new Set<string>();
  const probes = new Map<string, Promise<ProbeResult>>();
  // Services come in dependency order, so a service's dependencies are decided before it.
  for (const service of opts.profile.services) {
    const action = actionOf.get(service.name);
    if (action?.action !== 'keep' || !service.dependsOn.every((d) => kept.has(d.service))) continue;
    kept.add(service.name);
    const instance = action.instances[0];
    if (!service.healthcheck || !instance) continue;
    const probe = probeOnce(opts.runtime, instance, service.healthcheck.probe, service.healthcheck.timeoutMs, signal);
    probe.catch(() => undefined);
    probes.set(service.name, probe);
  }
  return probes;
}

/**
 * The plan was made before the image was built: a rebuild that produced the image the service already
 * runs leaves it as it is, and an image that turned out to differ from the one it runs replaces it.
 */
export function settleAction(action: PlanAction, imageId: string): PlanAction {
  const current = action.instances[0];
  if (!current) return action;
  const onlyRebuilt = action.reasons.length > 0 && action.reasons.every((r) => r.startsWith('image rebuilt'));
  if (action.action === 'recreate' && onlyRebuilt && current.imageId === imageId)
    return { ...action, action: 'keep', reasons: [] };
  if (action.action === 'keep' && current.imageId !== imageId)
    return { ...action, action: 'recreate', reasons: ['image changed'] };
  return action;
}
