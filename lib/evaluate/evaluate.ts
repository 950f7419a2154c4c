import { ensureFresh } from '../ci/jobs.js';
import { deploy } from '../deploy/deploy.js';
import type { EventBus } from '../events/bus.js';
import { restartService } from '../ops/restart.js';
import { verify } from '../ops/verify.js';
import { down } from '../ops/down.js';
import { memoryOf, processTrees } from './proc.js';
import type { ResolvedProfile } from '../profile/model.js';
import { requireCapability } from '../runtime/capabilities.js';
import type { HostRuntime } from '../runtime/host/host-runtime.js';
import type { ImageStore, Runtime, ToolRunner } from '../runtime/types.js';
import type { ClientEngine } from '../runtime/client-engine.js';
import { runTempest } from '../tempest/run.js';
import { summarize } from '../tempest/selection.js';
import { evaluationRows, type EvaluationRow, type RuntimeFigures } from './table.js';

export interface EvaluateOptions {
  /** The same profile and project, as each runtime runs it. */
  host: { runtime: HostRuntime; profile: ResolvedProfile };
  docker: { runtime: Runtime; profile: ResolvedProfile };
  /** Where the host deployment's client checks run, and its client image is built (a Docker engine). */
  client?: { tools: ToolRunner; images: ImageStore };
  /** Deploys from nothing after the first one, each followed by a no-op redeploy and a restart. */
  rounds: number;
  /** The service restarted each round; by default the first with an HTTP health check. */
  restart?: string;
  /** Leave the containers running at the end (the host deployment always goes: they share its ports). */
  keep: boolean;
  bus: EventBus;
  signal?: AbortSignal;
  /** Also run the profile's Tempest selection (these suites of it, or all) against each runtime's deployment. */
  tempest?: { engine: ClientEngine; suites?: string[] };
  /** A line for the person waiting: which runtime, which step, how long the last one took. */
  onProgress?: (line: string) => void;
}

export interface Evaluation {
  profile: string;
  rounds: number;
  restarted: string;
  figures: RuntimeFigures[];
  rows: EvaluationRow[];
}

/**
 * The seed's question, "is it a better workflow, and is anything made worse?", answered on this machine:
 * the same profile deployed on the host runtime, then in containers, one after the other, each timed and
 * weighed the same way, and torn down again (volumes included).
 */
export async function evaluate(opts: EvaluateOptions): Promise<Evaluation> {
  const restarted = opts.restart ?? defaultRestart(opts.docker.profile);
  for (const side of [opts.host, opts.docker]) {
    if (!side.profile.services.some((s) => s.name === restarted))
      throw new Error(`the profile has no service named ${restarted} to restart`);
    requireCapability(side.runtime, 'footprint', 'berth evaluate');
    await ensureFresh(side.runtime, side.profile.project);
  }
  const figures: RuntimeFigures[] = [];
  for (const side of [opts.host, opts.docker]) {
    const keep = opts.keep && side === opts.docker;
    figures.push(await measure(side.runtime, side.profile, restarted, keep, opts));
  }
  return {
    profile: opts.docker.profile.name,
    rounds: opts.rounds,
    restarted,
    figures,
    rows: evaluationRows(figures[0]!, figures[1]!, restarted),
  };
}

function defaultRestart(profile: ResolvedProfile): string {
  const http = profile.services.find((s) => s.healthcheck?.probe.kind === 'http' && s.name !== 'haproxy');
  return (http ?? profile.services[0]!).name;
}

async function measure(
  runtime: Runtime,
  profile: ResolvedProfile,
  restarted: string,
  keep: boolean,
  opts: EvaluateOptions,
): Promise<RuntimeFigures> {
  const { bus, signal } = opts;
  const name = runtime.name === 'host' ? 'host processes' : 'containers';
  const footprint = runtime.capabilities.footprint!;
  const clientImages = runtime.capabilities.images ? undefined : opts.client?.images;
  const timed = async (what: string, fn: () => Promise<unknown>): Promise<number> => {
    const t0 = Date.now();
    await fn();
    const ms = Date.now() - t0;
    opts.onProgress?.(`${name}: ${what} in ${(ms / 1000).toFixed(1)} s`);
    return ms;
  };
  const deployOnce = () => deploy({ runtime, profile, bus, signal, clientImages });
  const teardown = async () => {
    await down(runtime, profile.project, bus, { volumes: true, services: profile.services });
    if (runtime.name === 'host') (runtime as HostRuntime).removeHostDir(profile.project);
  };

  const figures: RuntimeFigures = {
    runtime: runtime.name,
    firstDeployMs: 0,
    freshDeployMs: [],
    noopDeployMs: [],
    restartMs: [],
    memory: { services: 0, runtime: 0, measure: 'PSS' },
    disk: { software: 0, data: 0 },
    verify: { passed: 0, failed: 0 },
  };
  try {
    figures.firstDeployMs = await timed('first deploy', deployOnce);
    const results = await verify(runtime, profile, undefined, runtime.capabilities.tools ?? opts.client?.tools);
    figures.verify = { passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length };
    opts.onProgress?.(`${name}: verify ${figures.verify.passed} passed, ${figures.verify.failed} failed`);
    if (opts.tempest && profile.tempest) {
      const run = await runTempest(opts.tempest.engine, profile, { signal, suites: opts.tempest.suites });
      // The suites' own totals, so this row counts tests as the verify --tempest table does.
      const t = summarize(run.selection, run.tests).reduce(
        (sum, s) => ({
          passed: sum.passed + s.passed,
          failed: sum.failed + s.failed,
          skipped: sum.skipped + s.skipped,
        }),
        { passed: 0, failed: 0, skipped: 0 },
      );
      figures.tempest = t;
      opts.onProgress?.(`${name}: Tempest ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
    }
    // Idle: deployed, verified, nothing asked of it while it is weighed.
    const services = processTrees((await footprint.servicePids(profile.project)).values());
    const own = memoryOf(await footprint.runtimePids(profile.project));
    const held = memoryOf(services);
    figures.memory = { services: held.bytes, runtime: own.bytes, measure: held.measure };
    figures.disk = await footprint.diskBytes(profile.project, profile.services);
    for (let round = 1; round <= opts.rounds; round++) {
      await teardown();
      figures.freshDeployMs.push(await timed(`deploy from nothing (round ${round})`, deployOnce));
      figures.noopDeployMs.push(await timed(`no-op redeploy (round ${round})`, deployOnce));
      figures.restartMs.push(
        await timed(`restart ${restarted} (round ${round})`, () => restartService(runtime, profile, restarted, signal)),
      );
    }
  } finally {
    if (!keep) await teardown();
  }
  return figures;
}
