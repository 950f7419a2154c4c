import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, EngineUnreachableError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { deploy } from '../deploy/deploy.js';
import { dependentsOf, steps as graphSteps } from '../graph/graph.js';
import { abortableSleep } from '../health/probe.js';
import type { ResolvedProfile, ResolvedService } from '../profile/model.js';
import { requireCapability } from '../runtime/capabilities.js';
import type { FileSync, Runtime } from '../runtime/types.js';
import { awaitHealthy, restartAndAwaitHealthy } from '../services/operations.js';
import { Batcher, DEFAULT_BATCH, realClock, type BatchOptions, type Clock } from '../watch/batcher.js';
import { treeIgnore } from '../watch/ignore.js';
import { ServiceQueues, type Work } from '../watch/service-queue.js';
import {
  checkInotifyBudget,
  countWatchedDirectories,
  maxUserWatches,
  TreeWatcher,
  watchBackend,
  type FileEvent,
} from '../watch/watcher.js';
import { dirWanted } from '../watch/wanted-dirs.js';
import { watch } from 'chokidar';
import { withDevMounts } from './dev-mounts.js';
import { IMPORT_RECORD_TARGET, readImportRecords, touchesLoaded } from './loaded-modules.js';
import { ApiReadiness, ApiSession, processStartMs } from './api-ready.js';
import { planBatch, watchedSources, type ServiceWork, type WatchedSource } from './plan-batch.js';
import { compactHeap } from './heap.js';

/** What a front end (the dev screen's keys) may ask of a running dev loop. */
export interface DevControl {
  restart(service: string): void;
  rebuild(service: string): void;
  /** Hold file changes while paused; resuming applies what was held as one plan. */
  setPaused(paused: boolean): void;
  logs(service: string, tail?: number): Promise<string[]>;
}

export interface DevOptions {
  onControl?: (control: DevControl) => void;
  runtime: Runtime;
  /** Loads (and re-loads, on profile edits) the profile with its environment files. */
  load: () => ResolvedProfile;
  bus: EventBus;
  signal: AbortSignal;
  batch?: Partial<BatchOptions>;
  clock?: Clock;
}

/**
 * The profile with its trees mounted; the import-record directories exist before a container mounts them. They are
 * writable by every user (uwsgi's workers drop to the service's own), sticky, and inside the project's state
 * directory, which only its owner can enter.
 */
function devProfile(loaded: ResolvedProfile): ResolvedProfile {
  const profile = withDevMounts(loaded);
  for (const s of profile.services)
    for (const v of s.volumes) {
      if (v.target !== IMPORT_RECORD_TARGET) continue;
      mkdirSync(v.source, { recursive: true });
      chmodSync(v.source, 0o1777);
    }
  return profile;
}

/** A `sync` rule copies into a running container; on a runtime that cannot, say so before deploying. */
function requireSyncIfUsed(runtime: Runtime, services: ResolvedService[]): FileSync | undefined {
  const syncing = services.find((s) => s.dev?.rules.some((r) => r.action === 'sync'));
  if (!syncing) return undefined;
  return requireCapability(
    runtime,
    'sync',
    `service ${syncing.name}'s "sync" rule`,
    `On the host runtime a service reads its sources in place: give the rule "action: restart" (or none) in ${syncing.file}.`,
  );
}

/**
 * How late at most a dev restart sees its service ready: the check's own interval (1 s for the workers)
 * left heat-engine's restart up to a second late on top of its start-up.
 */
const DEV_PROBE_CAP_MS = 250;

type Item = FileEvent | { reload: string; seenAt: number };

/**
 * berth dev: deploy with source trees mounted, then turn every batch of saves into the smallest
 * correct action per affected service, health-gated, reporting latency. Ctrl-C stops watching and
 * leaves the environment running.
 */
export async function runDev(opts: DevOptions): Promise<void> {
  const { runtime, bus, signal } = opts;
  const clock = opts.clock ?? realClock;
  let profile = devProfile(opts.load());
  requireSyncIfUsed(runtime, profile.services);
  await deploy({ runtime, profile, bus, signal });

  let sources = watchedSources(profile.services);
  const trees = [...new Set(sources.map((s) => s.root))].map((root) => {
    const base = treeIgnore(root);
    // A directory no rule of any service on this tree could match (tests/, doc/) is not watched at all.
    const wanted = dirWanted(sources.filter((s) => s.root === root).flatMap((s) => s.rules.map((r) => r.rule)));
    return { root, ignored: (rel: string, isDir = false) => base(rel, isDir) || (isDir && !wanted(rel)) };
  });
  const counts = trees.map((t) => ({
    root: t.root,
    services: sources.filter((s) => s.root === t.root).map((s) => s.service),
    directories: countWatchedDirectories(t),
  }));
  const needed = counts.reduce((n, c) => n + c.directories, 0);
  checkInotifyBudget(needed);

  // Engines whose API says when a new one is up (heat's service list): their gate after a restart.
  const clouds = join(profile.stateDir, 'clouds.yaml');
  const session = existsSync(clouds) ? new ApiSession(clouds) : undefined;
  const readiness = new Map<string, ApiReadiness>();
  for (const s of profile.services) {
    if (!session || !s.dev?.ready || !sources.some((src) => src.service === s.name)) continue;
    const r = new ApiReadiness(session, s.dev.ready);
    readiness.set(s.name, r);
    r.learn(signal).catch(() => undefined); // learnt again before its first restart if this fails
  }

  const queues = new ServiceQueues((service, work, workSignal) =>
    runWork(service, work, AbortSignal.any([workSignal, signal])),
  );
  let reloading = Promise.resolve();

  let paused = false;
  let held: Item[] = [];
  const batcher = new Batcher<Item>(
    (incoming) => {
      if (paused) {
        held.push(...incoming.items);
        return;
      }
      const batch = held.length ? { ...incoming, items: [...held, ...incoming.items], settled: true } : incoming;
      held = [];
      const reloads = batch.items.filter((i): i is { reload: string; seenAt: number } => 'reload' in i);
      const events = batch.items.filter((i): i is FileEvent => 'rel' in i);
      if (reloads.length) reloading = reloading.then(() => reload(reloads.map((r) => r.reload)));
      const notices = new Set<string>();
      const work = planBatch(events, sources, notices).filter(affected);
      for (const text of notices) bus.emit({ type: 'message', level: 'warn', text });
      const lastSeen = Math.max(...batch.items.map((i) => i.seenAt));
      bus.emit({
        type: 'dev.batch',
        files: [...new Set(events.map((e) => `${e.root}/${e.rel}`))],
        settled: batch.settled,
        services: work.map((w) => w.service),
      });
      for (const w of work) {
        const requestedAt = clock.now();
        queues.submit(w.service, {
          action: w.action,
          files: w.files,
          firstChangeAt: batch.firstAt,
          sync: w.sync,
          commands: w.commands,
          overheadMs: requestedAt - lastSeen,
        } as Work);
      }
    },
    { ...DEFAULT_BATCH, ...opts.batch },
    clock,
    (files) => bus.emit({ type: 'dev.settling', files }),
  );

  const watcher = new TreeWatcher(
    trees,
    (e) => batcher.add({ ...e, seenAt: clock.now() }),
    // A branch switch or another checkout operation: nothing to reload, but whatever follows is applied
    // as one settled plan.
    () => batcher.add({ reload: '', seenAt: clock.now() }, { settle: true }),
  );
  await watcher.start();
  const manual = (service: string, action: 'restart' | 'rebuild') =>
    queues.submit(service, { action, files: [], firstChangeAt: clock.now() });
  opts.onControl?.({
    restart: (service) => manual(service, 'restart'),
    rebuild: (service) => manual(service, 'rebuild'),
    setPaused: (value) => {
      paused = value;
      bus.emit({ type: 'dev.paused', paused, held: held.length });
      if (!paused && held.length) batcher.add({ reload: '', seenAt: clock.now() });
    },
    logs: logsOf,
  });
  // Editing the profile, an environment file, a service file or a template re-plans and applies only
  // the config-hash differences.
  const profileWatcher = watch(profile.files, { ignoreInitial: true });
  profileWatcher.on('change', (file: string) => batcher.add({ reload: file, seenAt: clock.now() }));
  // chokidar says 'ready' only once it has watched something.
  if (profile.files.length) await new Promise<void>((resolve) => profileWatcher.once('ready', () => resolve()));
  // Only now: a save made right after "watching" appears must be seen, and chokidar ignores files that
  // change before its initial scan is ready.
  // What the watcher holds, not an estimate: one inotify watch per directory kept (the directories backend).
  const watches = watchBackend() === 'directories' ? watcher.watchCount : needed;
  compactHeap();
  bus.emit({ type: 'dev.watching', trees: counts, watches, maxWatches: maxUserWatches() });

  /** A restart of a service none of whose processes imported a changed module would change nothing it runs. */
  function affected(work: ServiceWork): boolean {
    if (work.action !== 'restart') return true;
    const service = profile.services.find((s) => s.name === work.service);
    const records = service?.volumes.find((v) => v.target === IMPORT_RECORD_TARGET);
    const loaded = records && readImportRecords(records.source);
    if (!service || !loaded || touchesLoaded(work.files, service.dev?.sources ?? [], loaded)) return true;
    bus.emit({ type: 'dev.unaffected', service: work.service, files: work.files });
    return false;
  }

  async function reload(files: string[]): Promise<void> {
    const changed = files.filter(Boolean);
    if (!changed.length) return;
    try {
      profile = devProfile(opts.load());
      sources = watchedSources(profile.services);
      await deploy({ runtime, profile, bus, signal });
      bus.emit({ type: 'dev.reload', files: changed, ok: true });
    } catch (err) {
      bus.emit({ type: 'dev.reload', files: changed, ok: false, message: (err as Error).message });
    }
  }

  async function runWork(name: string, work: Work & { overheadMs?: number }, workSignal: AbortSignal): Promise<void> {
    const service = profile.services.find((s) => s.name === name);
    if (!service) return;
    const emit = (
      phase: 'start' | 'done' | 'failed',
      extra: { output?: string; logs?: string[]; action?: 'restart-dependent'; service?: string } = {},
    ) =>
      bus.emit({
        type: 'dev.action',
        service: extra.service ?? name,
        action: extra.action ?? work.action,
        phase,
        files: work.files,
        latencyMs: phase === 'start' ? undefined : Math.round(clock.now() - work.firstChangeAt),
        overheadMs: phase === 'start' ? work.overheadMs : undefined,
        output: extra.output,
        logs: extra.logs,
      });
    emit('start');
    for (;;) {
      try {
        await applyAction(service, work, workSignal);
        emit('done');
        if (service.dev?.restartDependents && (work.action === 'restart' || work.action === 'rebuild')) {
          await restartDependents(service, workSignal, (dep, phase, output, logs) =>
            emit(phase, { service: dep, action: 'restart-dependent', output, logs }),
          );
        }
        return;
      } catch (err) {
        if (workSignal.aborted) return;
        if (err instanceof EngineUnreachableError) {
          // Not the service's failure, and not a change to forget: hold it until the engine answers.
          bus.emit({
            type: 'message',
            level: 'warn',
            text: `${name}: ${work.action} held: the engine is not reachable; will retry when it answers`,
          });
          if (!(await engineBack(workSignal))) return;
          bus.emit({
            type: 'message',
            level: 'info',
            text: `the engine answers again: applying the held ${work.action} of ${name}`,
          });
          continue;
        }
        const e = err as Error & { logs?: string[] };
        emit('failed', { output: e.message, logs: e.logs ?? (await logsOf(name).catch(() => [])) });
        return;
      }
    }
  }

  /** Waits, asking once a second, until the engine answers again; false if cancelled first. */
  async function engineBack(workSignal: AbortSignal): Promise<boolean> {
    while (!workSignal.aborted) {
      try {
        await runtime.info(workSignal);
        return true;
      } catch {
        await abortableSleep(1000, workSignal).catch(() => undefined);
      }
    }
    return false;
  }

  async function logsOf(name: string, tail = 30): Promise<string[]> {
    const instance = (await runtime.list(profile.project)).find((i) => i.service === name);
    return instance ? runtime.logs(instance.id, { tail }) : [];
  }

  async function applyAction(service: ResolvedService, work: Work, workSignal: AbortSignal): Promise<void> {
    const ready = readiness.get(service.name);
    if (!ready || work.action === 'sync' || work.action === 'exec') return applyOwnAction(service, work, workSignal);
    if (!ready.learnt) await ready.learn(workSignal).catch(() => undefined);
    const began = Date.now();
    await applyOwnAction(service, work, workSignal);
    if (!ready.learnt) return; // its API never answered: the health check alone gates, as without `ready`
    try {
      await ready.awaitNew(workSignal, ready.ready.since ? await processStart(service.name, began) : began);
    } catch (err) {
      if (workSignal.aborted) throw err;
      throw new BerthError(`${service.name}: ${(err as Error).message}`);
    }
  }

  async function processStart(name: string, began: number): Promise<number> {
    const instance = (await runtime.list(profile.project)).find((i) => i.service === name);
    return processStartMs(began, instance?.startedAt);
  }

  async function applyOwnAction(service: ResolvedService, work: Work, workSignal: AbortSignal): Promise<void> {
    if (work.action === 'rebuild') {
      await runtime.ensureImage(service, { signal: workSignal, force: true });
      await deploy({ runtime, profile, bus, signal: workSignal });
      return;
    }
    const instance = (await runtime.list(profile.project)).find((i) => i.service === service.name);
    if (!instance) throw new BerthError(`service ${service.name} has no container; run "berth deploy"`);
    if (work.action === 'sync') return requireSyncIfUsed(runtime, [service])!.copyInto(instance.id, work.sync ?? []);
    if (work.action === 'exec') {
      for (const command of work.commands ?? []) {
        const r = await runtime.exec(instance.id, command, { signal: workSignal });
        if (r.exitCode !== 0)
          throw new BerthError(`exec ${command.join(' ')} exited ${r.exitCode}: ${r.output.trim().slice(-500)}`);
      }
      return;
    }
    if (service.dev?.reload?.length) {
      // In place (uwsgi respawning its workers with the new code), gated on health like a restart; a
      // reload that fails falls back to the restart.
      const r = await runtime.exec(instance.id, service.dev.reload, { signal: workSignal });
      if (r.exitCode === 0)
        return awaitHealthy(runtime, service, instance, {
          signal: workSignal,
          initialIntervalMs: 25,
          maxIntervalMs: DEV_PROBE_CAP_MS,
        });
      bus.emit({
        type: 'message',
        level: 'warn',
        text: `${service.name}: reload exited ${r.exitCode} (${r.output.trim().slice(-200)}); restarting it instead`,
      });
    }
    await restartAndWait(service, instance.id, workSignal);
  }

  async function restartAndWait(service: ResolvedService, id: string, workSignal: AbortSignal): Promise<void> {
    await restartAndAwaitHealthy(runtime, profile.project, service, id, {
      timeoutMs: service.dev?.stopTimeoutMs ?? service.stopTimeoutMs,
      signal: workSignal,
      initialIntervalMs: 25,
      maxIntervalMs: DEV_PROBE_CAP_MS,
    });
  }

  /** Dependents restart after the service is healthy again, wave by wave in dependency order, each gated on health. */
  async function restartDependents(
    service: ResolvedService,
    workSignal: AbortSignal,
    report: (dep: string, phase: 'start' | 'done' | 'failed', output?: string, logs?: string[]) => void,
  ): Promise<void> {
    const nodes = profile.services.map((s) => ({ name: s.name, dependsOn: s.dependsOn.map((d) => d.service) }));
    const dependents = new Set(dependentsOf(nodes, service.name));
    const waves = graphSteps(nodes)
      .map((step) => step.filter((n) => dependents.has(n)))
      .filter((w) => w.length);
    const instances = await runtime.list(profile.project);
    for (const wave of waves) {
      await Promise.all(
        wave.map(async (dep) => {
          const s = profile.services.find((x) => x.name === dep)!;
          const instance = instances.find((i) => i.service === dep);
          if (!instance) return;
          report(dep, 'start');
          try {
            await restartAndWait(s, instance.id, workSignal);
            report(dep, 'done');
          } catch (err) {
            report(dep, 'failed', (err as Error).message, (err as { logs?: string[] }).logs);
            throw err;
          }
        }),
      );
    }
  }

  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // Ctrl-C: stop watching, let running actions see the abort, leave every container running.
  await Promise.all([watcher.close(), profileWatcher.close()]);
  const unapplied = batcher.discard();
  // Saves still in their quiet window are in the bind-mounted tree, but no restart applied them.
  if (unapplied) {
    bus.emit({
      type: 'message',
      level: 'warn',
      text: `stopped with ${unapplied} change${unapplied === 1 ? '' : 's'} not yet applied: "berth restart SERVICE" or the next "berth dev" applies them`,
    });
  }
  queues.cancelAll();
  await queues.idle();
}

export type { WatchedSource };
