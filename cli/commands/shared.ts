import { Command, Option } from 'commander';
import { CancelledError } from '../../lib/errors.js';
import type { EventBus } from '../../lib/events/bus.js';
import { UpdateRolledBackError } from '../../lib/lifecycle/update.js';
import type { ResolvedProfile } from '../../lib/profile/model.js';
import type { CheckResult } from '../../lib/ops/verify.js';
import {
  collectList,
  endpointsOf,
  out,
  outJson,
  interruptSignal,
  wantsTui,
  load,
  makeBus,
  reportError,
  type CommonOptions,
} from '../context.js';
import { interruptForegroundGroup, reportIfLingering } from '../lifetime.js';

export function common(cmd: Command): Command {
  return cmd
    .option(
      '-p, --profile <name>',
      'profile name under profiles/, or a path to a profile.yaml',
      process.env.BERTH_PROFILE ?? 'demo',
    )
    .option('-e, --env <file>', 'environment file merged over the profile (repeatable, later wins)', collectList, [])
    .option('--project <name>', 'deployment name (default: the profile name)')
    .option('--param <name=value>', 'set a parameter, over every file (repeatable)', collectList, [])
    .option('--json', 'JSON lines on stdout')
    .addOption(new Option('--plain', 'plain lines (the default until the terminal UI lands)'))
    .option('-v, --verbose', 'every build and probe line, and every Tempest test')
    .addOption(
      new Option('--runtime <name>', 'where services run: containers, or host processes from Debian packages')
        .choices(['docker', 'host'])
        .default(process.env.BERTH_RUNTIME ?? 'docker'),
    );
}

export function action<T extends unknown[]>(fn: (...args: T) => Promise<number | void>) {
  return async (...args: T) => {
    const opts = args.find((a) => a && typeof a === 'object' && !Array.isArray(a) && !(a instanceof Command)) as
      { json?: boolean } | undefined;
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
export async function withDeployReporting(
  opts: CommonOptions,
  run: (ctx: { profile: ResolvedProfile; bus: EventBus; signal: AbortSignal }) => Promise<unknown>,
): Promise<number> {
  const profile = load(opts, { deploying: true });
  const tui = wantsTui(opts);
  const bus = makeBus(opts, { lines: !tui });
  const cancel = new AbortController();
  const signal = interruptSignal(cancel, { quiet: tui });
  let reported = false;
  bus.subscribe((e) => (reported ||= e.type === 'deploy.failed'));
  const endpoints = endpointsOf(profile);
  const credentials = profile.hostFiles.some((f) => f.target === 'clouds.yaml')
    ? `${profile.stateDir}/clouds.yaml (openstack --os-cloud undercloud)`
    : undefined;
  const screen = tui
    ? (await import('../tui/apps.js')).startDeployTui(
        bus,
        { profile: profile.name, project: profile.project },
        {
          endpoints,
          credentials,
          onCancel: () => interruptForegroundGroup(() => cancel.abort()),
        },
      )
    : undefined;
  try {
    await run({ profile, bus, signal });
  } catch (err) {
    await screen?.finish();
    if (!reported || err instanceof UpdateRolledBackError) throw err;
    return err instanceof CancelledError ? 130 : 1;
  }
  await screen?.finish();
  // The screen ends with this summary; plain output (CI, pipes) gets it too, JSON lines do not.
  if (!tui && !opts.json) {
    out('endpoints:\n');
    for (const e of endpoints) out(`  ${e.service.padEnd(17)} ${(e.name ?? '').padEnd(14)} ${e.url}\n`);
    if (credentials) out(`credentials: ${credentials}\n`);
  }
  return 0;
}

/** Prints each check's result (and a failing one's logs); returns how many failed. */
export function printVerify(results: CheckResult[], json?: boolean): number {
  for (const r of results) {
    if (json) outJson({ type: 'verify.check', ...r });
    else {
      out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.durationMs} ms)${r.ok ? '' : `\n     ${r.output}`}\n`);
      if (!r.ok) for (const l of r.logs ?? []) out(`     | ${l}\n`);
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  if (json) outJson({ type: 'verify.done', passed: results.length - failed, failed });
  else out(`${results.length - failed} passed, ${failed} failed\n`);
  return failed;
}
