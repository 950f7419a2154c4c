import { basename, dirname, resolve } from 'node:path';
import { deploy } from '../deploy/deploy.js';
import { BerthError, ServiceFailedError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { update } from '../lifecycle/update.js';
import { upgradeFromHost } from '../lifecycle/upgrade.js';
import { down } from '../ops/down.js';
import { verify } from '../ops/verify.js';
import type { ResolvedProfile } from '../profile/model.js';
import type { HostRuntime } from '../runtime/host/host-runtime.js';
import type { Runtime } from '../runtime/types.js';
import type { ClientEngine } from '../runtime/client-engine.js';
import { runTempest } from '../tempest/run.js';
import { summarize, toJUnitCases } from '../tempest/selection.js';
import type { JUnitCase, JUnitSuite } from './junit.js';
import { provisionSteps, provisionTeardown } from './provision-steps.js';
import type { RamdiskBuilder } from '../images/ramdisk.js';

export type CiJobName = 'install' | 'update' | 'upgrade' | 'provision';

export interface CiJobOptions {
  job: CiJobName;
  /** Where the job ends up: containers. */
  runtime: Runtime;
  /** What the job installs. */
  profile: ResolvedProfile;
  /** update: the same project with the update applied (environment files, parameters). */
  updated?: ResolvedProfile;
  /** update: rebuild images without the cache (the default when no update environment is given). */
  refresh?: boolean;
  /** upgrade: the host runtime and the profile as it runs there (the job starts on the host). */
  host?: HostRuntime;
  hostProfile?: ResolvedProfile;
  bus: EventBus;
  keep: boolean;
  signal?: AbortSignal;
  /** install: run the profile's Tempest selection after verify, from this engine's tool containers. */
  tempest?: { engine: ClientEngine; concurrency?: number; suites?: string[]; regex?: string };
  /** provision: builds the ramdisk the node boots when it is missing (the Docker runtime). */
  ramdiskBuilder?: RamdiskBuilder;
}

/**
 * The project a CI job owns (and removes afterwards), named after the profile: never the one a developer
 * deployed by hand. A profile given as a path is named by its directory.
 */
export function ciProjectName(profile: string, job: string): string {
  return `${basename(/\.ya?ml$/.test(profile) ? dirname(resolve(profile)) : profile)}-ci-${job}`;
}

/**
 * The jobs TripleO wanted green before the containerized undercloud replaced the old installer, headless:
 * install (deploy, verify), minor update (deploy, update, verify), major upgrade (deploy on the host
 * runtime, upgrade to containers, verify); each then torn down. Each step and
 * each verification check is a test case. A job owns its project: it refuses one that already exists,
 * and its teardown removes the project's volumes too.
 */
export async function runCiJob(opts: CiJobOptions): Promise<JUnitSuite> {
  const { job, runtime, profile, bus } = opts;
  const suite: JUnitSuite = { name: `berth ci ${job} ${profile.name}`, timestamp: new Date(), cases: [] };
  let failed = false;
  const step = async (name: string, fn: () => Promise<string | void>): Promise<void> => {
    if (failed)
      return void suite.cases.push({ classname: `${job}.step`, name, timeMs: 0, skipped: 'an earlier step failed' });
    const t0 = Date.now();
    try {
      const output = await fn();
      suite.cases.push({ classname: `${job}.step`, name, timeMs: Date.now() - t0, output: output || undefined });
    } catch (err) {
      failed = true;
      suite.cases.push({
        classname: `${job}.step`,
        name,
        timeMs: Date.now() - t0,
        failure: describeFailure(err as Error),
      });
    }
  };

  const host = job === 'upgrade' ? opts.host : undefined;
  await step('preflight: the project starts from nothing', async () =>
    [await ensureFresh(runtime, profile.project), ...(host ? [await ensureFresh(host, profile.project)] : [])].join(
      '; ',
    ),
  );
  const owned = !failed;
  if (host && opts.hostProfile) {
    await step(`deploy ${profile.name} on the host runtime`, async () =>
      summary(await deploy({ runtime: host, profile: opts.hostProfile!, bus, signal: opts.signal })),
    );
    await step('upgrade from host to containers', async () => {
      const report = await upgradeFromHost({
        host,
        docker: runtime,
        hostProfile: opts.hostProfile!,
        profile,
        bus,
        signal: opts.signal,
      });
      return `moved ${report.moved.join(', ')}; backups in ${report.backupDir}`;
    });
  } else
    await step(`deploy ${profile.name}`, async () =>
      summary(await deploy({ runtime, profile, bus, signal: opts.signal })),
    );
  if (job === 'update') {
    const target = opts.updated ?? profile;
    await step(`update${opts.refresh ? ' (refreshed packages)' : ''}`, async () =>
      summary(
        await update({
          runtime,
          profile: target,
          bus,
          signal: opts.signal,
          rollback: true,
          refreshPackages: opts.refresh,
        }),
      ),
    );
  }
  if (job === 'provision') await provisionSteps(step, runtime, profile, opts.ramdiskBuilder!, opts.signal);
  const verified = opts.updated ?? profile;
  if (job === 'provision') {
    suite.cases.push({
      classname: `${job}.verify`,
      name: 'berth verify',
      timeMs: 0,
      skipped: 'the provision job checks the provisioning flow; berth ci install runs verify',
    });
    // Tempest's servers on the real node, once the flow itself has worked: its failures would only repeat them.
    if (opts.tempest && profile.tempest) suite.cases.push(...(await tempestCases(opts, profile, failed)));
  } else if (failed)
    suite.cases.push({
      classname: `${job}.verify`,
      name: 'berth verify',
      timeMs: 0,
      skipped: 'an earlier step failed',
    });
  else {
    let checksFailed = false;
    for (const r of await verify(runtime, verified)) {
      checksFailed ||= !r.ok;
      const details = [r.output, ...(r.logs ?? []).map((l) => `    | ${l}`)].join('\n');
      suite.cases.push({
        classname: `${job}.verify`,
        name: r.name,
        timeMs: r.durationMs,
        ...(r.ok
          ? { output: r.output }
          : { failure: { message: `${r.service}: ${r.output.split('\n').pop()}`, details } }),
      });
    }
    if (opts.tempest && verified.tempest) suite.cases.push(...(await tempestCases(opts, verified, checksFailed)));
  }
  if (owned && !opts.keep) {
    const t0 = Date.now();
    try {
      const result = await down(runtime, profile.project, bus, {
        volumes: true,
        services: verified.services,
      });
      // Whatever an upgrade left on the host (all of it, if it failed early) goes too.
      if (host) await down(host, profile.project, bus, { volumes: true, services: verified.services });
      if (host) host.removeHostDir(profile.project);
      const nodes = job === 'provision' ? `; ${await provisionTeardown(profile)}` : '';
      suite.cases.push({
        classname: `${job}.step`,
        name: 'teardown',
        timeMs: Date.now() - t0,
        output: `removed ${result.removed.length} containers and volumes ${result.volumesRemoved.join(', ') || 'none'}${nodes}`,
      });
    } catch (err) {
      suite.cases.push({
        classname: `${job}.step`,
        name: 'teardown',
        timeMs: Date.now() - t0,
        failure: describeFailure(err as Error),
      });
    }
  } else {
    suite.cases.push({
      classname: `${job}.step`,
      name: 'teardown',
      timeMs: 0,
      skipped: owned ? 'kept (--keep)' : 'the project was not the job’s own',
    });
  }
  return suite;
}

/**
 * The job's Tempest stage: each Tempest test a test case (skips with Tempest's reason), then one case for the
 * cleanup that fails when `tempest cleanup` could not remove everything the run made.
 */
async function tempestCases(opts: CiJobOptions, profile: ResolvedProfile, checksFailed: boolean): Promise<JUnitCase[]> {
  const classname = `${opts.job}.tempest`;
  if (checksFailed) return [{ classname, name: 'tempest', timeMs: 0, skipped: 'an earlier step failed: not run' }];
  const t0 = Date.now();
  try {
    const run = await runTempest(opts.tempest!.engine, profile, {
      signal: opts.signal,
      concurrency: opts.tempest!.concurrency,
      suites: opts.tempest!.suites,
      regex: opts.tempest!.regex,
      onStage: (stage) => opts.bus.emit({ type: 'message', level: 'info', text: `tempest: ${stage}` }),
      onProgress: (done, failed) =>
        opts.bus.emit({ type: 'message', level: 'info', text: `tempest: ${done} tests finished, ${failed} failed` }),
    });
    const suites = summarize(run.selection, run.tests)
      .map((s) => `${s.name}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`)
      .join('\n');
    const leftovers = Object.entries(run.leftovers).map(([kind, items]) => `${kind}: ${items.join(', ')}`);
    return [
      ...toJUnitCases(run.tests, classname),
      {
        classname: `${opts.job}.step`,
        name: 'tempest',
        timeMs: Date.now() - t0,
        output: `${run.tests.length} tests in ${(run.wallMs / 1000).toFixed(0)} s at concurrency ${run.concurrency}\n${suites}`,
        ...(run.tests.length ? {} : { failure: { message: `no results (exit ${run.exitCode})`, details: run.tail } }),
      },
      {
        classname: `${opts.job}.step`,
        name: 'tempest cleanup',
        timeMs: 0,
        ...(leftovers.length
          ? { failure: { message: 'left after tempest cleanup', details: leftovers.join('\n') } }
          : { output: 'nothing left' }),
      },
    ];
  } catch (err) {
    return [
      {
        classname: `${opts.job}.step`,
        name: 'tempest',
        timeMs: Date.now() - t0,
        failure: describeFailure(err as Error),
      },
    ];
  }
}

export async function ensureFresh(runtime: Runtime, project: string): Promise<string> {
  const [instances, volumes] = await Promise.all([runtime.list(project), runtime.volumeGenerations(project)]);
  if (instances.length || volumes.size) {
    throw new BerthError(
      `project ${project} already has ${instances.length} containers and ${volumes.size} volumes`,
      'A CI job starts from nothing and removes its project (volumes included) at the end: give it a project of its own with --project, or "berth down --volumes" this one first.',
    );
  }
  return `project ${project} is free`;
}

function summary(result: { actions: { action: string }[]; durationMs: number }): string {
  const counts = new Map<string, number>();
  for (const a of result.actions) counts.set(a.action, (counts.get(a.action) ?? 0) + 1);
  return `${[...counts].map(([action, n]) => `${n} ${action}`).join(', ')} in ${(result.durationMs / 1000).toFixed(1)} s`;
}

function describeFailure(err: Error): { message: string; details: string } {
  const logs = err instanceof ServiceFailedError ? err.logs.map((l) => `    | ${l}`) : [];
  const hint = err instanceof BerthError && err.hint ? [`next: ${err.hint}`] : [];
  return { message: err.message.split('\n')[0]!, details: [err.message, ...logs, ...hint].join('\n') };
}
