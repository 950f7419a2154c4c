import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import { BerthError, CancelledError, EngineTimeoutError, EngineUnreachableError, ServiceFailedError, throwIfAborted } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { describeProbe, probeOnce, waitHealthy, abortableSleep } from '../health/probe.js';
import type { ResolvedProfile, ResolvedService } from '../profile/model.js';
import { configHash } from '../plan/hash.js';
import { planDeploy, type PlanAction } from '../plan/plan.js';
import { errorText } from '../runtime/docker/docker-runtime.js';
import { LABEL, type Instance, type Leftover, type Runtime } from '../runtime/types.js';
import { BootstrapMarkers } from '../state/bootstrap-markers.js';
import { DeployedRecord } from '../state/deployed-record.js';
import { Timings } from '../state/timings.js';
import { checkHostPorts } from './ports.js';
import { PrioritySlots } from './priority-slots.js';

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
}

export interface DeployResult {
  actions: PlanAction[];
  durationMs: number;
}

/** A one-shot service (restart: no, no health check) is done when it exits 0. */
export const isOneShot = (s: ResolvedService) => s.restart === 'no' && !s.healthcheck;

/** The plan without side effects: nothing is built, created or removed. */
export async function planOnly(runtime: Runtime, profile: ResolvedProfile): Promise<PlanAction[]> {
  const actual = await runtime.list(profile.project);
  const imageIds = new Map<string, string | undefined>();
  const rebuilds = new Set<string>();
  for (const s of profile.services) {
    const status = await runtime.imageStatus(s);
    imageIds.set(s.name, status.id);
    if (s.build && status.stale && status.id) rebuilds.add(s.name);
  }
  const volumes = await existingVolumes(runtime, profile);
  return planDeploy({ services: profile.services, actual, imageIds, rebuilds, volumes });
}

async function existingVolumes(runtime: Runtime, profile: ResolvedProfile): Promise<Set<string>> {
  const names = new Set(profile.services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume').map((v) => v.source)));
  const present = new Set<string>();
  for (const name of names) if (await runtime.volumeExists(profile.project, name)) present.add(name);
  return present;
}

/**
 * Converge the project to the profile: images, plan, then every service along the dependency graph,
 * in parallel where the graph allows, each gated on its dependencies' conditions.
 * On failure what is healthy keeps running and the error names the service with its logs.
 */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const { runtime, profile, bus } = opts;
  const started = Date.now();
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
  bus.emit({ type: 'deploy.start', profile: profile.name, project: profile.project, runtime: runtime.name, engine: `${engine.value.name} ${engine.value.version}`, steps: profile.steps });
  try {
    if (actual.status === 'rejected') throw actual.reason;
    if (volumes.status === 'rejected') throw volumes.reason;
    if (leftovers.status === 'rejected') throw leftovers.reason;
    if (leftovers.value.length) {
      bus.emit({ type: 'message', level: 'warn', text: `removed ${describeLeftovers(leftovers.value)} left by an interrupted run` });
    }
    await checkHostPorts(profile.services, actual.value);
    const imageIds = await ensureImages(opts);
    const actions = planDeploy({ services: profile.services, actual: actual.value, imageIds, volumes: volumes.value });
    const timings = new Timings(profile.stateDir);
    bus.emit({ type: 'plan', actions: actions.map(({ service, action, reasons }) => ({ service, action, reasons })), history: timings.read() });
    throwIfAborted(opts.signal);

    await runtime.prepare(profile.project, profile.services);
    const markers = new BootstrapMarkers(profile.stateDir);
    for (const orphan of actions.filter((a) => a.action === 'remove')) await removeOrphan(runtime, orphan, bus, markers);
    const durations = await applyActions(opts, actions, imageIds);
    timings.record(durations);
    writeHostFiles(profile);
    const durationMs = Date.now() - started;
    bus.emit({ type: 'deploy.done', durationMs, services: profile.services.length });
    return { actions, durationMs };
  } catch (err) {
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

/**
 * A service that left the composition: its removal tasks run first, in its running container (whose
 * config still reaches the other services). A failing task keeps the container, so the next deploy
 * tries again rather than forgetting what it was meant to undo.
 */
async function removeOrphan(runtime: Runtime, orphan: PlanAction, bus: EventBus, markers: BootstrapMarkers): Promise<void> {
  bus.emit({ type: 'service.state', service: orphan.service, state: 'removing' });
  for (const i of orphan.instances) {
    if (!i.running && i.onRemove.length > 0) {
      bus.emit({ type: 'message', level: 'warn', text: `${orphan.service} is not running: its removal tasks (${i.onRemove.map((t) => t.name).join(', ')}) were skipped` });
    }
    for (const task of i.running ? i.onRemove : []) {
      bus.emit({ type: 'bootstrap.task', removal: true, service: orphan.service, task: task.name, status: 'start' });
      const result = await runtime.exec(i.id, task.command);
      if (result.exitCode !== 0) {
        bus.emit({ type: 'bootstrap.task', removal: true, service: orphan.service, task: task.name, status: 'failed', output: result.output });
        throw new ServiceFailedError(
          orphan.service,
          `removal task "${task.name}" exited with code ${result.exitCode}; the container was kept`,
          result.output.trimEnd().split('\n').slice(-30),
          `Fix what it needs (often a service it talks to) and run "berth deploy" again; "berth down" removes everything without running it.`,
        );
      }
      bus.emit({ type: 'bootstrap.task', removal: true, service: orphan.service, task: task.name, status: 'done' });
    }
    await runtime.stop(i.id);
    await runtime.remove(i.id);
  }
  // What its bootstrap did may just have been undone: if it comes back, it bootstraps again.
  markers.forget(orphan.service);
  bus.emit({ type: 'service.state', service: orphan.service, state: 'removed' });
}

export function describeLeftovers(found: readonly Leftover[]): string {
  const roles = [...new Set(found.map((l) => l.role))].join(', ');
  return `${found.length} throwaway container${found.length === 1 ? '' : 's'} (${roles})`;
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

async function ensureImages({ runtime, profile, bus, signal, buildConcurrency, forceBuild, refreshPackages }: DeployOptions): Promise<Map<string, string>> {
  // Shared bases first, in the order the profile lists them: service images build FROM them.
  for (const image of profile.images) {
    await runtime.ensureBuiltImage(image.name, image.build, {
      signal,
      force: forceBuild, noCache: refreshPackages,
      onWork: () => bus.emit({ type: 'message', level: 'info', text: `building base image ${image.name}` }),
      onProgress: (p) => bus.emit({ type: 'build.progress', service: image.name, step: p.step, totalSteps: p.totalSteps, line: p.line }),
    });
  }
  const limit = pLimit(buildConcurrency ?? 2);
  const ids = new Map<string, string>();
  // Services sharing one image tag build it once.
  const byImage = new Map<string, ResolvedService[]>();
  for (const s of profile.services) byImage.set(s.image, [...(byImage.get(s.image) ?? []), s]);
  await Promise.all(
    [...byImage.values()].map((group) =>
      limit(async () => {
        const service = group.find((s) => s.build) ?? group[0]!;
        const id = await runtime.ensureImage(service, {
          signal,
          force: forceBuild, noCache: refreshPackages,
          onWork: (kind) => group.forEach((s) => bus.emit({ type: 'service.state', service: s.name, state: kind })),
          onProgress: (p) => bus.emit({ type: 'build.progress', service: service.name, step: p.step, totalSteps: p.totalSteps, line: p.line }),
        });
        for (const s of group) ids.set(s.name, id);
      }),
    ),
  );
  return ids;
}

interface Gate {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function gate(): Gate {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Applies the plan; returns how long each created, recreated or started service took to be ready. */
async function applyActions(opts: DeployOptions, actions: PlanAction[], imageIds: Map<string, string>): Promise<Record<string, number>> {
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

  const run = async (service: ResolvedService) => {
    const action = byName.get(service.name)!;
    try {
      if (service.dependsOn.length) bus.emit({ type: 'service.state', service: service.name, state: 'waiting', detail: service.dependsOn.map((d) => `${d.service} (${d.condition})`).join(', ') });
      await Promise.all(service.dependsOn.map((d) => raceAbort((d.condition === 'started' ? started : ready).get(d.service)!.promise, signal)));
      await slots.run(priority.get(service.name) ?? 0, async () => {
        if (signal.aborted) throw new CancelledError();
        const t0 = Date.now();
        await applyOne(service, action, { runtime, profile, bus, signal: inFlight, markers, imageId: imageIds.get(service.name)!, dataGeneration: dataGeneration.get(service.name)!, started: started.get(service.name)! });
        if (action.action !== 'keep') durations[service.name] = Date.now() - t0;
        if (action.action !== 'keep' || !deployed.get(service.name)) deployed.record({ service, imageId: imageIds.get(service.name)! });
      });
      ready.get(service.name)!.resolve();
    } catch (caught) {
      // A stuck engine call is named with the service it was made for.
      const err = caught instanceof EngineTimeoutError ? new ServiceFailedError(service.name, caught.message, [], caught.hint) : caught;
      started.get(service.name)!.reject(err);
      ready.get(service.name)!.reject(err);
      if (!(err instanceof CancelledError) && !signal.aborted) {
        bus.emit({ type: 'service.state', service: service.name, state: 'failed', detail: (err as Error).message });
        failure.abort(err);
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

/** For each service, the length of the longest chain of services that depend on it, transitively. */
export function chainLengths(services: readonly ResolvedService[]): Map<string, number> {
  const dependents = new Map<string, string[]>(services.map((s) => [s.name, []]));
  for (const s of services) for (const d of s.dependsOn) dependents.get(d.service)?.push(s.name);
  const memo = new Map<string, number>();
  const length = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const value = Math.max(0, ...(dependents.get(name) ?? []).map((d) => 1 + length(d)));
    memo.set(name, value);
    return value;
  };
  return new Map(services.map((s) => [s.name, length(s.name)]));
}

/**
 * Bootstrap tasks act on data: keystone's db-sync on mariadb's volume, fernet-setup on its own.
 * A task's marker therefore names the generation of every named volume the service and its
 * dependencies (transitively) mount, so recreated volumes (down --volumes) make the tasks run again.
 */
export function dataGenerations(services: readonly ResolvedService[], created: ReadonlyMap<string, string>): Map<string, string> {
  const byName = new Map(services.map((s) => [s.name, s]));
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(name)) return seen;
    seen.add(name);
    for (const d of byName.get(name)?.dependsOn ?? []) closure(d.service, seen);
    return seen;
  };
  return new Map(
    services.map((s) => {
      const volumes = [...closure(s.name)].flatMap((n) => (byName.get(n)?.volumes ?? []).filter((v) => v.type === 'volume').map((v) => `${v.source}@${created.get(v.source) ?? 'absent'}`));
      return [s.name, createHash('sha256').update([...new Set(volumes)].sort().join('\n')).digest('hex').slice(0, 12)];
    }),
  );
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface ApplyContext {
  runtime: Runtime;
  profile: ResolvedProfile;
  bus: EventBus;
  signal: AbortSignal;
  markers: BootstrapMarkers;
  imageId: string;
  /** Identity of the data the service's tasks act on; see dataGenerations. */
  dataGeneration: string;
  started: Gate;
}

async function applyOne(service: ResolvedService, action: PlanAction, ctx: ApplyContext): Promise<void> {
  const { runtime, profile, bus, signal } = ctx;
  throwIfAborted(signal);
  const hash = configHash(service);
  const taskHash = `${hash}:${ctx.imageId}:${ctx.dataGeneration}`;
  let instance = action.instances[0];

  if (action.action === 'create' || action.action === 'recreate') {
    bus.emit({ type: 'service.state', service: service.name, state: 'creating', detail: action.reasons.join(', ') });
    for (const old of action.instances) {
      await runtime.stop(old.id, { timeoutMs: service.stopTimeoutMs });
      await runtime.remove(old.id);
    }
    await runBootstrap(service, 'container', undefined, taskHash, ctx);
    const id = await runtime.create(profile.project, service, instanceLabels(service));
    instance = await startAndFind(runtime, profile.project, service, id, bus);
  } else if (action.action === 'start') {
    await runBootstrap(service, 'container', undefined, taskHash, ctx);
    for (const extra of action.instances.slice(1)) await runtime.remove(extra.id);
    instance = await startAndFind(runtime, profile.project, service, instance!.id, bus);
  } else {
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
    const quick = action.action === 'keep' ? await probeOnce(runtime, instance!, check.probe, check.timeoutMs, signal) : undefined;
    if (!quick?.ok) {
      bus.emit({ type: 'service.state', service: service.name, state: 'health', detail: describeProbe(check.probe) });
      // The container's own output while it comes up: what a person watching wants to see.
      const following = new AbortController();
      void runtime.followLogs(instance!.id, (line) => bus.emit({ type: 'service.log', service: service.name, line }), following.signal, { tail: 100 }).catch(() => undefined);
      const result = await waitHealthy(runtime, instance!, check, {
        signal,
        initialIntervalMs: 50,
        onProbe: (r, attempt) => bus.emit({ type: 'health.probe', service: service.name, ok: r.ok, output: r.output, attempt }),
      }).finally(() => following.abort());
      if (!result.ok) {
        const why = result.exited !== undefined ? `exited with code ${result.exited} before its health check passed` : `health check never passed after ${result.attempts} probes`;
        throw new ServiceFailedError(service.name, `${why}; last probe: ${result.last.output}`, await runtime.logs(instance!.id, { tail: 30 }), `See all logs with "berth logs ${service.name}"; fix and run "berth deploy" again (healthy services are kept).`);
      }
    }
  }
  await runBootstrap(service, 'exec', instance, taskHash, ctx);
  bus.emit({ type: 'service.state', service: service.name, state: service.healthcheck ? 'healthy' : 'running' });
}

/** What berth records on an instance it creates: the config hash plans compare, and the removal tasks. */
export function instanceLabels(service: ResolvedService): Record<string, string> {
  const labels: Record<string, string> = { [LABEL.configHash]: configHash(service) };
  if (service.onRemove) labels[LABEL.onRemove] = JSON.stringify(service.onRemove);
  return labels;
}

async function startAndFind(runtime: Runtime, project: string, service: ResolvedService, id: string, bus: EventBus): Promise<Instance> {
  bus.emit({ type: 'service.state', service: service.name, state: 'starting' });
  try {
    await runtime.start(id);
  } catch (err) {
    if (err instanceof EngineUnreachableError) throw err;
    throw new ServiceFailedError(service.name, (err as Error).message, await runtime.logs(id, { tail: 30 }), (err as BerthError).hint);
  }
  const found = (await runtime.list(project)).find((i) => i.id === id);
  if (!found) throw new ServiceFailedError(service.name, 'its container disappeared right after start', []);
  return found;
}

async function waitExited(service: ResolvedService, instance: Instance, { runtime, signal }: ApplyContext): Promise<void> {
  for (;;) {
    const state = await runtime.inspectState(instance.id);
    if (!state.running && !state.restarting) {
      if (state.exitCode === 0) return;
      throw new ServiceFailedError(service.name, `one-shot service exited with code ${state.exitCode}`, await runtime.logs(instance.id, { tail: 30 }));
    }
    await abortableSleep(200, signal).catch(() => {
      throw new CancelledError();
    });
  }
}

async function runBootstrap(service: ResolvedService, kind: 'container' | 'exec', instance: Instance | undefined, taskHash: string, ctx: ApplyContext): Promise<void> {
  for (const task of service.bootstrap.filter((t) => t.run === kind)) {
    if (ctx.markers.done(service.name, task.name, taskHash)) {
      ctx.bus.emit({ type: 'bootstrap.task', service: service.name, task: task.name, status: 'skipped' });
      continue;
    }
    ctx.bus.emit({ type: 'service.state', service: service.name, state: 'bootstrapping', detail: task.name });
    ctx.bus.emit({ type: 'bootstrap.task', service: service.name, task: task.name, status: 'start' });
    const result = await (kind === 'container'
      ? ctx.runtime.runOnce(ctx.profile.project, service, task.command, { env: task.environment, signal: ctx.signal })
      : ctx.runtime.exec(instance!.id, task.command, { env: task.environment, signal: ctx.signal })
    ).catch((err: unknown) => {
      if (err instanceof BerthError) throw err;
      // The engine refusing to run the task at all (missing executable, bad image) is still this task's failure.
      throw new ServiceFailedError(service.name, `bootstrap task "${task.name}" could not run: ${errorText(err)}`, [], `Check the task's command in ${service.file}.`);
    });
    throwIfAborted(ctx.signal);
    if (result.exitCode !== 0) {
      ctx.bus.emit({ type: 'bootstrap.task', service: service.name, task: task.name, status: 'failed', output: result.output });
      const lines = result.output.split('\n').filter(Boolean).slice(-30);
      throw new ServiceFailedError(service.name, `bootstrap task "${task.name}" failed with exit code ${result.exitCode}`, lines, `Fix the task in ${service.file}, then run "berth deploy" again; it reruns only unfinished tasks.`);
    }
    ctx.markers.record(service.name, task.name, taskHash);
    ctx.bus.emit({ type: 'bootstrap.task', service: service.name, task: task.name, status: 'done' });
  }
}
