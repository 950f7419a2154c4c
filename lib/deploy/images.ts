import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { CancelledError, ServiceFailedError } from '../errors.js';
import { chainLengths } from '../graph/chains.js';
import type { ResolvedService } from '../profile/model.js';
import { baseImages } from '../runtime/docker/build-context.js';
import type { ImageProgress, Runtime } from '../runtime/types.js';
import type { DeployOptions } from './deploy.js';
import { Timings } from '../state/timings.js';
import { gate } from './gate.js';

/** A build that failed: it fails the services that run its image and their dependents, not the others. */
export class ImageBuildError extends ServiceFailedError {
  constructor(service: string, problem: string, logs: string[], hint?: string) {
    super(service, problem, logs, hint);
    this.name = 'ImageBuildError';
  }
}

/**
 * Images as the deploy goes, not before it: what the plan can know at once (each service's current image
 * and whether it will be rebuilt), and a promise per service that its image is ready. A service starts as
 * soon as its own image and its dependencies are; builds go by the longest chain of dependents waiting
 * behind them (nova's image before haproxy's), a few at a time.
 */
export interface ImagePipeline {
  planned: Map<string, string | undefined>;
  rebuilds: Set<string>;
  ready(service: string): Promise<string>;
  isReady(service: string): boolean;
  /** Every build settled (done, failed or cancelled). */
  settled: Promise<void>;
  /** The shared base images (the client image among them), which fail the deploy when they fail. */
  bases: Promise<void>;
  /** Stop builds not finished yet: the deploy failed or was cancelled. */
  cancel(): void;
}

/**
 * What the plan can know before anything builds, for `berth deploy` and `berth plan` alike: each service's
 * current image ID, and which services' images will be rebuilt (context changed, or a rebuild forced).
 * Services that run from the same thing are one group: on Docker one image tag; on the host one set of
 * packages (the nova services share an image, but each needs a package of its own there).
 */
export async function imagePlan(runtime: Runtime, services: readonly ResolvedService[], forced = false) {
  const groups = new Map<string, ResolvedService[]>();
  for (const s of services) {
    const key = runsFrom(runtime, s);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const statuses = await Promise.all(
    [...groups.values()].map(async (group) => ({ group, status: await runtime.imageStatus(representative(group)) })),
  );
  const planned = new Map<string, string | undefined>();
  const rebuilds = new Set<string>();
  for (const { group, status } of statuses)
    for (const s of group) {
      planned.set(s.name, status.id);
      if (s.build && status.id && (status.stale || forced)) rebuilds.add(s.name);
    }
  return { statuses, planned, rebuilds };
}

export async function startImages(opts: DeployOptions): Promise<ImagePipeline> {
  const { runtime, profile, bus } = opts;
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, ...(opts.signal ? [opts.signal] : [])]);
  const forced = Boolean(opts.forceBuild || opts.refreshPackages);
  const { statuses, planned, rebuilds } = await imagePlan(runtime, profile.services, forced);
  const gates = new Map(profile.services.map((s) => [s.name, gate() as ReturnType<typeof gate> & { id?: string }]));
  const ready = (s: ResolvedService, id: string) => Object.assign(gates.get(s.name)!, { id }).resolve();
  const failed = (s: ResolvedService, err: unknown) => gates.get(s.name)!.reject(err);

  const bases = buildBases(opts, signal);
  const base = Promise.all(bases.values()).then(() => undefined);
  const baseSettled = base.catch(() => undefined);
  const priority = chainLengths(profile.services);
  const weight = (group: ResolvedService[]) => Math.max(...group.map((s) => priority.get(s.name) ?? 0));
  // Four at a time: builds wait mostly on the mirror, and on two cores a cold undercloud took 295 s with four
  // against 332 s with two (one run each, README).
  const limit = pLimit(opts.buildConcurrency ?? 4);
  const work: Promise<void>[] = [];
  const label = (service: ResolvedService) => (runtime.name === 'host' ? `packages of ${service.name}` : service.image);
  const buildTimings = new Timings(profile.stateDir, 'build-timings.json');
  for (const { group, status } of [...statuses].sort((a, b) => weight(b.group) - weight(a.group))) {
    const service = representative(group);
    // Only the bases this image builds FROM hold it back (mariadb's builds beside openstack-base), and they
    // are awaited before a build slot is taken, so waiting images leave the slots to those that can build.
    const from = basesOf(runtime, service, bases);
    const fresh = Boolean(status.id && !status.stale && !forced);
    if (fresh && !from.length) {
      for (const s of group) ready(s, status.id!);
      continue;
    }
    const onBaseFailure = (err: unknown) => {
      for (const s of group) failed(s, signal.aborted ? new CancelledError() : err);
    };
    // The plan read the image's state before its bases were ensured: a base rebuilt in this deploy (a changed
    // context, a newly seeded Debian) makes an image the plan saw as current out of date, so it is asked again.
    const rebuildIfBaseChanged = async () => {
      const now = await runtime.imageStatus(service);
      if (now.id && !now.stale) for (const s of group) ready(s, now.id);
      else await build(service, group);
    };
    work.push(Promise.all(from).then(fresh ? rebuildIfBaseChanged : () => build(service, group), onBaseFailure));
  }
  async function build(service: ResolvedService, group: ResolvedService[]) {
    const image = label(service);
    const services = group.map((s) => s.name);
    bus.emit({ type: 'image.state', image, services, state: 'queued', ahead: limit.activeCount + limit.pendingCount });
    return limit(async () => {
      const t0 = Date.now();
      bus.emit({ type: 'image.state', image, services, state: 'building' });
      try {
        if (signal.aborted) throw new CancelledError();
        const id = await runtime.ensureImage(service, {
          signal,
          force: opts.forceBuild,
          noCache: opts.refreshPackages,
          onWork: (kind) => group.forEach((s) => bus.emit({ type: 'service.state', service: s.name, state: kind })),
          onProgress: (p: ImageProgress) =>
            bus.emit({
              type: 'build.progress',
              service: service.name,
              step: p.step,
              totalSteps: p.totalSteps,
              line: p.line,
            }),
        });
        const durationMs = Date.now() - t0;
        bus.emit({ type: 'image.ready', image, services, durationMs });
        buildTimings.record({ [image]: durationMs });
        for (const s of group) ready(s, id);
      } catch (err) {
        const what = runtime.name === 'host' ? 'installing its packages' : `building ${service.image}`;
        // The runtime's own build errors already say what failed; others are said to be the build's.
        const e =
          err instanceof CancelledError || signal.aborted
            ? new CancelledError()
            : err instanceof ServiceFailedError
              ? new ImageBuildError(
                  service.name,
                  err.message.replace(`service ${err.service}: `, ''),
                  err.logs,
                  err.hint,
                )
              : new ImageBuildError(
                  service.name,
                  `${what} failed: ${(err as Error).message}`,
                  [],
                  (err as { hint?: string }).hint,
                );
        for (const s of group) failed(s, e);
      }
    });
  }
  return {
    planned,
    rebuilds,
    ready: (name) => gates.get(name)!.promise.then(() => gates.get(name)!.id!),
    isReady: (name) => gates.get(name)?.id !== undefined,
    settled: Promise.all([baseSettled, ...work]).then(() => undefined),
    bases: base,
    cancel: () => stop.abort(),
  };
}

function runsFrom(runtime: Runtime, s: ResolvedService): string {
  return runtime.name === 'host' ? [...(s.host?.packages ?? [])].sort().join(' ') : s.image;
}

/** The service a group's image is built for: the one that says how to build it. */
function representative(group: ResolvedService[]): ResolvedService {
  return group.find((s) => s.build) ?? group[0]!;
}

/** The promises of the shared bases a service's Dockerfile builds FROM (all of them if it cannot be read). */
function basesOf(runtime: Runtime, service: ResolvedService, bases: Map<string, Promise<void>>): Promise<void>[] {
  if (runtime.name === 'host') return [];
  if (!service.build) return [...bases.values()];
  const dockerfile = join(service.build.context, service.build.dockerfile);
  if (!existsSync(dockerfile)) return [...bases.values()];
  const from = new Set(baseImages(readFileSync(dockerfile, 'utf8')));
  return [...bases].filter(([name]) => from.has(name)).map(([, p]) => p);
}

/**
 * Shared bases in the order the profile lists them (one may build FROM an earlier one), each its own
 * promise so that a service image waits only for its own.
 */
function buildBases(opts: DeployOptions, signal: AbortSignal): Map<string, Promise<void>> {
  const { runtime, profile, bus } = opts;
  const store = runtime.capabilities.images ?? opts.clientImages;
  if (!store && profile.images.length) {
    const names = profile.images.map((i) => i.name).join(', ');
    bus.emit({
      type: 'message',
      level: 'warn',
      text: `no Docker engine answers: ${names} not built (client checks need it)`,
    });
  }
  const built = new Map<string, Promise<void>>();
  let previous: Promise<unknown> = Promise.resolve();
  for (const image of store ? profile.images : []) {
    const p = previous
      .then(() =>
        store!.ensureBuiltImage(image.name, image.build, {
          signal,
          force: opts.forceBuild,
          noCache: opts.refreshPackages,
          onWork: () => bus.emit({ type: 'message', level: 'info', text: `building base image ${image.name}` }),
          onProgress: (p: ImageProgress) =>
            bus.emit({
              type: 'build.progress',
              service: image.name,
              step: p.step,
              totalSteps: p.totalSteps,
              line: p.line,
            }),
        }),
      )
      .then(() => undefined);
    built.set(image.name, p);
    previous = p;
  }
  return built;
}
