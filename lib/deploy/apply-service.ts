import { CancelledError, ServiceFailedError, throwIfAborted } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { abortableSleep, describeProbe, probeOnce, waitHealthy, type ProbeResult } from '../health/probe.js';
import type { ResolvedProfile, ResolvedService } from '../profile/model.js';
import { configHash } from '../plan/hash.js';
import { instanceLabels } from '../plan/labels.js';
import type { PlanAction } from '../plan/plan.js';
import type { Instance, Runtime } from '../runtime/types.js';
import { FAILURE_LOG_LINES, healthFailure, isOneShot, startInstance, stopAndRemove } from '../services/operations.js';
import type { BootstrapMarkers } from '../state/bootstrap-markers.js';
import { runBootstrap } from './bootstrap.js';
import type { Gate } from './gate.js';

function formatDuration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export { isOneShot };

export interface ApplyContext {
  runtime: Runtime;
  profile: ResolvedProfile;
  bus: EventBus;
  signal: AbortSignal;
  markers: BootstrapMarkers;
  imageId: string;
  /** Identity of the data the service's tasks act on; see dataGenerations. */
  dataGeneration: string;
  started: Gate;
  /** A kept service's health probe, begun before its dependencies were ready (see earlyProbes). */
  earlyProbe?: Promise<ProbeResult>;
}

/** One service's way to ready: (re)create or start it, wait for its health, run its bootstrap tasks. */
export async function applyOne(service: ResolvedService, action: PlanAction, ctx: ApplyContext): Promise<void> {
  const { runtime, profile, bus, signal } = ctx;
  throwIfAborted(signal);
  const hash = configHash(service);
  const taskHash = `${hash}:${ctx.imageId}:${ctx.dataGeneration}`;
  let instance = action.instances[0];

  if (action.action === 'create' || action.action === 'recreate') {
    bus.emit({ type: 'service.state', service: service.name, state: 'creating', detail: action.reasons.join(', ') });
    for (const old of action.instances) await stopAndRemove(runtime, old, service.stopTimeoutMs);
    await runBootstrap(service, 'container', undefined, taskHash, ctx);
    const id = await runtime.create(profile.project, service, instanceLabels(service));
    instance = await startAndFind(runtime, profile.project, service, id, bus);
  } else if (action.action === 'start') {
    await runBootstrap(service, 'container', undefined, taskHash, ctx);
    for (const extra of action.instances.slice(1)) await runtime.remove(extra.id);
    instance = await startAndFind(runtime, profile.project, service, instance!.id, bus);
  } else {
    // A kept member of the ctlplane may have been restarted by the engine while no keeper ran, and be off it. A
    // start is a no-op for a running container, and the join after it puts it back and starts the keeper.
    if (service.ctlplane && instance?.running) await runtime.start(instance.id);
    bus.emit({ type: 'service.state', service: service.name, state: 'kept' });
  }
  ctx.started.resolve();

  if (isOneShot(service)) {
    await waitExited(service, instance!, ctx);
    bus.emit({ type: 'service.state', service: service.name, state: 'completed' });
    return;
  }
  if (service.healthcheck) {
    const check = service.healthcheck;
    const quick =
      action.action === 'keep'
        ? await (ctx.earlyProbe ?? probeOnce(runtime, instance!, check.probe, check.timeoutMs, signal))
        : undefined;
    if (!quick?.ok) {
      bus.emit({ type: 'service.state', service: service.name, state: 'health', detail: describeProbe(check.probe) });
      // The container's own output while it comes up: what a person watching wants to see.
      const following = new AbortController();
      void runtime
        .followLogs(
          instance!.id,
          (line) => bus.emit({ type: 'service.log', service: service.name, line }),
          following.signal,
          { tail: 100 },
        )
        .catch(() => undefined);
      const result = await waitHealthy(runtime, instance!, check, {
        signal,
        initialIntervalMs: 50,
        onProbe: (r, attempt) =>
          bus.emit({ type: 'health.probe', service: service.name, ok: r.ok, output: r.output, attempt }),
      }).finally(() => following.abort());
      if (!result.ok) {
        throw new ServiceFailedError(
          service.name,
          healthFailure(result),
          await runtime.logs(instance!.id, { tail: FAILURE_LOG_LINES }),
          `See all logs with "berth logs ${service.name}"; fix and run "berth deploy" again (healthy services are kept).`,
        );
      }
    }
  }
  await runBootstrap(service, 'exec', instance, taskHash, ctx);
  bus.emit({ type: 'service.state', service: service.name, state: service.healthcheck ? 'healthy' : 'running' });
}

async function startAndFind(
  runtime: Runtime,
  project: string,
  service: ResolvedService,
  id: string,
  bus: EventBus,
): Promise<Instance> {
  bus.emit({ type: 'service.state', service: service.name, state: 'starting' });
  return startInstance(runtime, project, service, id);
}

/** A one-shot that never exits must not hold the deploy forever; a migration may legitimately take minutes. */
export const ONE_SHOT_TIMEOUT_MS = 10 * 60_000;

async function waitExited(
  service: ResolvedService,
  instance: Instance,
  { runtime, signal }: ApplyContext,
): Promise<void> {
  const deadline = Date.now() + (service.runTimeoutMs ?? ONE_SHOT_TIMEOUT_MS);
  for (;;) {
    const state = await runtime.inspectState(instance.id);
    if (!state.running && !state.restarting) {
      if (state.exitCode === 0) return;
      throw new ServiceFailedError(
        service.name,
        `one-shot service exited with code ${state.exitCode}`,
        await runtime.logs(instance.id, { tail: FAILURE_LOG_LINES }),
      );
    }
    if (Date.now() > deadline) {
      const after = formatDuration(service.runTimeoutMs ?? ONE_SHOT_TIMEOUT_MS);
      throw new ServiceFailedError(
        service.name,
        `one-shot still running after ${after}; see "berth logs ${service.name}"`,
        await runtime.logs(instance.id, { tail: FAILURE_LOG_LINES }),
        `If it needs longer, give it "timeout:" in ${service.file}; it was left running for you to inspect.`,
      );
    }
    await abortableSleep(200, signal).catch(() => {
      throw new CancelledError();
    });
  }
}
