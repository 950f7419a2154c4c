#!/usr/bin/env node
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { runCiJob } from '../lib/ci/jobs.js';
import { toJUnitXml } from '../lib/ci/junit.js';
import { BerthError, CancelledError } from '../lib/errors.js';
import type { EventBus } from '../lib/events/bus.js';
import { update, UpdateRolledBackError } from '../lib/lifecycle/update.js';
import type { ResolvedProfile } from '../lib/profile/model.js';
import { deploy } from '../lib/deploy/deploy.js';
import { planOnly } from '../lib/deploy/plan-only.js';
import { runDev } from '../lib/dev/dev-loop.js';
import { BASE_IMAGE, seedBaseImage } from '../lib/images/seed-base.js';
import { waitHealthy } from '../lib/health/probe.js';
import { down } from '../lib/ops/down.js';
import { doctor } from '../lib/ops/doctor.js';
import { projectStatus } from '../lib/ops/project-state.js';
import { verify, type CheckResult } from '../lib/ops/verify.js';
import { cleanupHost, upgradeFromHost } from '../lib/lifecycle/upgrade.js';
import { HostRuntime } from '../lib/runtime/host/host-runtime.js';
import { collectList, endpointsOf, out, interruptSignal, wantsTui, load, makeBus, makeRuntime, reportError, type CommonOptions } from './context.js';
import { DockerRuntime } from '../lib/runtime/docker/docker-runtime.js';
import { interruptForegroundGroup, reportIfLingering } from './lifetime.js';

const program = new Command('berth').description('Deploy a containerized single-node OpenStack undercloud from composable profiles.').showHelpAfterError();

function common(cmd: Command): Command {
  return cmd
    .option('-p, --profile <name>', 'profile name under profiles/, or a path to a profile.yaml', process.env.BERTH_PROFILE ?? 'demo')
    .option('-e, --env <file>', 'environment file merged over the profile (repeatable, later wins)', collectList, [])
    .option('--project <name>', 'deployment name (default: the profile name)')
    .option('--param <name=value>', 'set a parameter, over every file (repeatable)', collectList, [])
    .option('--json', 'JSON lines on stdout')
    .addOption(new Option('--plain', 'plain lines (the default until the terminal UI lands)'))
    .option('-v, --verbose', 'every build and probe line')
    .addOption(new Option('--runtime <name>', 'where services run: containers, or host processes from Debian packages').choices(['docker', 'host']).default(process.env.BERTH_RUNTIME ?? 'docker'));
}

function action<T extends unknown[]>(fn: (...args: T) => Promise<number | void>) {
  return async (...args: T) => {
    const opts = args.find((a) => a && typeof a === 'object' && !Array.isArray(a) && !(a instanceof Command)) as { json?: boolean } | undefined;
    try {
      process.exitCode = (await fn(...args)) ?? 0;
    } catch (err) {
      process.exitCode = reportError(err, opts?.json);
    }
    reportIfLingering();
  };
}

/**
 * deploy and update share a screen: the Ink TUI on a terminal, plain or JSON lines otherwise. Once the
 * reporter has shown a failure with its logs and next step, it is not printed a second time.
 */
async function withDeployReporting(opts: CommonOptions, run: (ctx: { profile: ResolvedProfile; bus: EventBus; signal: AbortSignal }) => Promise<unknown>): Promise<number> {
  const profile = load(opts);
  const tui = wantsTui(opts);
  const bus = makeBus(opts, { lines: !tui });
  const cancel = new AbortController();
  const signal = interruptSignal(cancel, { quiet: tui });
  let reported = false;
  bus.subscribe((e) => (reported ||= e.type === 'deploy.failed'));
  const screen = tui
    ? (await import('./tui/apps.js')).startDeployTui(bus, { profile: profile.name, project: profile.project }, {
        endpoints: endpointsOf(profile),
        credentials: profile.hostFiles.some((f) => f.target === 'clouds.yaml') ? `${profile.stateDir}/clouds.yaml (openstack --os-cloud undercloud)` : undefined,
        onCancel: () => interruptForegroundGroup(() => cancel.abort()),
      })
    : undefined;
  try {
    await run({ profile, bus, signal });
  } catch (err) {
    await screen?.finish();
    if (!reported || err instanceof UpdateRolledBackError) throw err;
    return err instanceof CancelledError ? 130 : 1;
  }
  await screen?.finish();
  return 0;
}

common(program.command('deploy').description('converge the project to the profile: build, create, start, health-gate, bootstrap'))
  .option('--concurrency <n>', 'services started at once', '6')
  .option('--build', 'rebuild images even when their build context is unchanged')
  .action(
    action((opts: CommonOptions & { concurrency: string; build?: boolean }) =>
      withDeployReporting(opts, ({ profile, bus, signal }) => deploy({ runtime: makeRuntime(opts, { cancelWrites: true }), profile, bus, signal, concurrency: Number(opts.concurrency), forceBuild: opts.build })),
    ),
  );

common(program.command('update').description('minor update: rebuild changed images (or refresh packages), then recreate what changed one service at a time, rolling a failed one back'))
  .option('--refresh', 'rebuild every image without the build cache, so packages are current')
  .option('--no-rollback', 'leave a service that fails its update as it is, for debugging')
  .action(
    action((opts: CommonOptions & { refresh?: boolean; rollback: boolean }) =>
      withDeployReporting(opts, ({ profile, bus, signal }) => update({ runtime: makeRuntime(opts, { cancelWrites: true }), profile, bus, signal, refreshPackages: opts.refresh, rollback: opts.rollback })),
    ),
  );

common(program.command('ci').description('a headless CI job: install (deploy, verify), update (deploy, update, verify) or upgrade (deploy on the host, upgrade to containers, verify), then teardown').argument('<job>', 'install | update | upgrade'))
  .option('--junit <file>', 'write JUnit XML: one test case per step and per verification check')
  .option('--keep', 'leave the deployment running afterwards')
  .option('--to <file>', 'update: an environment file the update applies (repeatable); without one, packages are refreshed', collectList, [])
  .action(
    action(async (job: string, opts: CommonOptions & { junit?: string; keep?: boolean; to: string[] }) => {
      if (job !== 'install' && job !== 'update' && job !== 'upgrade') throw new BerthError(`no CI job named "${job}"`, 'Jobs: install, update, upgrade.');
      // A job owns its project and removes it afterwards: never the one a developer deployed by hand.
      const project = opts.project ?? `${basename(/\.ya?ml$/.test(opts.profile) ? dirname(resolve(opts.profile)) : opts.profile)}-ci-${job}`;
      const profile = load({ ...opts, project, runtime: 'docker' });
      const hostProfile = job === 'upgrade' ? load({ ...opts, project, runtime: 'host' }) : undefined;
      const updated = job === 'update' && opts.to.length ? load({ ...opts, project, runtime: 'docker', env: [...opts.env, ...opts.to] }) : undefined;
      const bus = makeBus(opts);
      const suite = await runCiJob({ job, runtime: new DockerRuntime(), host: hostProfile && new HostRuntime(), hostProfile, profile, updated, refresh: job === 'update' && !opts.to.length, bus, keep: Boolean(opts.keep), signal: interruptSignal() });
      if (opts.junit) writeFileSync(opts.junit, toJUnitXml(suite));
      const failures = suite.cases.filter((c) => c.failure);
      if (!opts.json) {
        out(`\n${suite.name}: ${suite.cases.length - failures.length} of ${suite.cases.length} cases passed or skipped${opts.junit ? `; JUnit XML in ${opts.junit}` : ''}\n`);
        for (const f of failures) out(`FAILED ${f.classname} ${f.name}: ${f.failure!.message}\n`);
      }
      return failures.length ? 1 : 0;
    }),
  );

common(program.command('dev').description("deploy with source trees mounted, then restart only what each save affects"))
  .option('--quiet-ms <ms>', 'quiet window before a batch of changes is applied', '150')
  .option('--cap-ms <ms>', 'longest a continuous stream of changes is held back', '2000')
  .action(
    action(async (opts: CommonOptions & { quietMs: string; capMs: string }) => {
      if (opts.runtime === 'host') throw new BerthError('berth dev works on containers only: it mounts source trees into them', 'Use --runtime docker (the default).');
      const tui = wantsTui(opts);
      const bus = makeBus(opts, { lines: !tui });
      const stop = new AbortController();
      const signal = interruptSignal(stop, { quiet: tui });
      const screen = tui ? (await import('./tui/apps.js')).startDevTui(bus, () => stop.abort()) : undefined;
      try {
        await runDev({ runtime: makeRuntime(opts), load: () => load(opts), bus, signal, batch: { quietMs: Number(opts.quietMs), capMs: Number(opts.capMs) }, onControl: screen?.setControl });
      } finally {
        await screen?.finish();
      }
    }),
  );

common(program.command('plan').description('show what deploy would do, per service, and why; changes nothing')).action(
  action(async (opts: CommonOptions) => {
    const profile = load(opts);
    const actions = await planOnly(makeRuntime(opts), profile);
    if (opts.json) out(JSON.stringify({ project: profile.project, actions: actions.map(({ service, action, reasons }) => ({ service, action, reasons })) }) + '\n');
    else for (const a of actions) out(`${a.action.padEnd(9)} ${a.service}${a.reasons.length ? `  (${a.reasons.join(', ')})` : ''}\n`);
  }),
);

common(program.command('status').description('state, health, image, ports and start time of every service')).action(
  action(async (opts: CommonOptions) => {
    const profile = load(opts);
    const status = await projectStatus(makeRuntime(opts), profile.project, profile);
    if (opts.json) return void out(JSON.stringify(status) + '\n');
    out(`project ${status.project}\n`);
    for (const s of status.services) out(`  ${s.name.padEnd(20)} ${s.state.padEnd(10)} ${s.health.padEnd(10)} ${s.ports.join(', ')}\n`);
    for (const l of status.leftovers) out(`  leftover ${l.role} container ${l.id.slice(0, 12)} (${l.status}) from an interrupted run; the next deploy or down removes it\n`);
  }),
);

/** Prints each check's result (and a failing one's logs); returns how many failed. */
function printVerify(results: CheckResult[], json?: boolean): number {
  for (const r of results) {
    if (json) out(JSON.stringify({ type: 'verify.check', ...r }) + '\n');
    else {
      out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.durationMs} ms)${r.ok ? '' : `\n     ${r.output}`}\n`);
      if (!r.ok) for (const l of r.logs ?? []) out(`     | ${l}\n`);
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  if (!json) out(`${results.length - failed} passed, ${failed} failed\n`);
  return failed;
}

common(program.command('verify').description("check every service's health and the profile's functional checks")).action(
  action(async (opts: CommonOptions) => {
    const profile = load(opts);
    return printVerify(await verify(makeRuntime(opts), profile), opts.json) ? 1 : 0;
  }),
);

common(program.command('upgrade').description('major upgrade: move a host-runtime deployment into containers, service by service, data included'))
  .requiredOption('--from <runtime>', 'where the deployment runs now: host')
  .option('--cleanup', 'after a verified upgrade, purge the host packages berth installed and remove the host data')
  .action(
    action(async (opts: CommonOptions & { from: string; cleanup?: boolean }) => {
      if (opts.from !== 'host') throw new BerthError(`cannot upgrade from "${opts.from}"`, 'The one major upgrade is --from host (host processes to containers).');
      const hostProfile = load({ ...opts, runtime: 'host' });
      const profile = load({ ...opts, runtime: 'docker' });
      const bus = makeBus(opts);
      const host = new HostRuntime();
      const report = await upgradeFromHost({ host, docker: new DockerRuntime(), hostProfile, profile, bus, signal: interruptSignal() });
      if (!opts.json) out(`moved to containers: ${report.moved.join(', ') || 'nothing'}; backups in ${report.backupDir}\n`);
      const failed = printVerify(await verify(new DockerRuntime(), profile), opts.json);
      if (failed) {
        if (opts.cleanup) out('not cleaning up: verification failed\n');
        return 1;
      }
      if (opts.cleanup) await cleanupHost({ host, hostProfile, bus });
      return 0;
    }),
  );

common(program.command('logs').description('container logs, prefixed by service').argument('[service]'))
  .option('-f, --follow', 'keep following')
  .option('--tail <n>', 'lines per service', '100')
  .action(
    action(async (service: string | undefined, opts: CommonOptions & { follow?: boolean; tail: string }) => {
      const profile = load(opts);
      const runtime = makeRuntime(opts);
      const instances = (await runtime.list(profile.project)).filter((i) => !service || i.service === service);
      if (service && instances.length === 0) throw new BerthError(`service ${service} has no container in project ${profile.project}`, 'See "berth status".');
      const width = Math.max(...instances.map((i) => i.service.length));
      for (const i of instances) for (const line of await runtime.logs(i.id, { tail: Number(opts.tail) })) out(`${i.service.padEnd(width)} | ${line}\n`);
      if (opts.follow) {
        const signal = interruptSignal();
        await Promise.all(instances.map((i) => runtime.followLogs(i.id, (line) => out(`${i.service.padEnd(width)} | ${line}\n`), signal)));
      }
    }),
  );

common(program.command('exec').description('run a command in a service container').argument('<service>').argument('<command...>')).action(
  action(async (service: string, command: string[], opts: CommonOptions) => {
    const profile = load(opts);
    const runtime = makeRuntime(opts);
    const instance = (await runtime.list(profile.project)).find((i) => i.service === service && i.running);
    if (!instance) throw new BerthError(`service ${service} is not running in project ${profile.project}`, 'See "berth status", or deploy first.');
    const result = await runtime.exec(instance.id, command);
    out(result.output);
    return result.exitCode;
  }),
);

common(program.command('restart').description('restart one service and wait for its health').argument('<service>')).action(
  action(async (name: string, opts: CommonOptions) => {
    const profile = load(opts);
    const runtime = makeRuntime(opts);
    const service = profile.services.find((s) => s.name === name);
    const instance = (await runtime.list(profile.project)).find((i) => i.service === name);
    if (!service || !instance) throw new BerthError(`service ${name} is not deployed in project ${profile.project}`, 'See "berth status".');
    const t0 = Date.now();
    await runtime.stop(instance.id, { timeoutMs: service.stopTimeoutMs });
    await runtime.start(instance.id);
    const fresh = (await runtime.list(profile.project)).find((i) => i.id === instance.id)!;
    if (service.healthcheck) {
      const r = await waitHealthy(runtime, fresh, service.healthcheck, { initialIntervalMs: 50 });
      if (!r.ok) throw new BerthError(`service ${name} did not become healthy: ${r.last.output}`, `See "berth logs ${name}".`);
    }
    out(`${name} restarted and ${service.healthcheck ? 'healthy' : 'running'} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }),
);

common(program.command('down').description('stop and remove the project; named volumes are kept unless --volumes'))
  .option('--volumes', 'also remove named data volumes (destroys data)')
  .action(
    action(async (opts: CommonOptions & { volumes?: boolean }) => {
      const profile = load(opts);
      const result = await down(makeRuntime(opts), profile.project, makeBus(opts), { volumes: Boolean(opts.volumes), order: profile.services.map((s) => s.name) });
      if (!opts.json) {
        out(`removed ${result.removed.length} containers from ${profile.project}\n`);
        if (result.volumesKept.length) out(`kept volumes (data): ${result.volumesKept.join(', ')}; "berth down --volumes" removes them\n`);
        if (result.volumesRemoved.length) out(`removed volumes: ${result.volumesRemoved.join(', ')}\n`);
      }
    }),
  );

common(program.command('doctor').description('engine, disk, memory, base image, ports and inotify limits, each with a remedy')).action(
  action(async (opts: CommonOptions) => {
    let profile;
    try {
      profile = load(opts);
    } catch (e) {
      out(`FAIL profile: ${(e as Error).message}\n`);
    }
    const findings = await doctor(new DockerRuntime(), profile);
    for (const f of findings) {
      if (opts.json) out(JSON.stringify(f) + '\n');
      else out(`${f.ok ? 'ok  ' : 'FAIL'} ${f.check.padEnd(10)} ${f.detail}${f.remedy ? `\n     next: ${f.remedy}` : ''}\n`);
    }
    return findings.some((f) => !f.ok) || !profile ? 1 : 0;
  }),
);

const images = program.command('images').description('image helpers');
images
  .command('ensure-base')
  .description('make sure debian:bookworm-slim exists: pull it if a registry answers, else seed it with debootstrap')
  .action(
    action(async () => {
      const runtime = new DockerRuntime();
      await runtime.info();
      await runtime.ensureBaseImage(BASE_IMAGE, interruptSignal(), (p) => !p.line.startsWith('I: ') && out(p.line + '\n'));
      out(`${BASE_IMAGE} present\n`);
    }),
  );
images
  .command('seed-base')
  .description('build debian:bookworm-slim with debootstrap and import it, for engines that reach no registry')
  .option('--mirror <url>', "Debian mirror (default: the host's apt mirror)")
  .option('--tag <tag>', 'tag to import as', 'debian:bookworm-slim')
  .option('--force', 'seed even if the tag exists')
  .action(
    action(async (opts: { mirror?: string; tag: string; force?: boolean }) => {
      const runtime = new DockerRuntime();
      await runtime.info();
      if (!opts.force && (await runtime.docker.getImage(opts.tag).inspect().catch(() => undefined))) {
        out(`${opts.tag} already present; nothing to do (--force seeds it again)\n`);
        return;
      }
      await seedBaseImage(runtime.docker, { mirror: opts.mirror, tag: opts.tag, signal: interruptSignal(), onLine: (l) => !l.startsWith('I: ') && out(l + '\n') });
    }),
  );

await program.parseAsync(process.argv);
