import type { Command } from 'commander';
import { BerthError } from '../../lib/errors.js';
import { runDev } from '../../lib/dev/dev-loop.js';
import {
  applyCheckouts,
  checkoutTag,
  checkoutVersion,
  otherRelease,
  parseSourceFlags,
} from '../../lib/dev/checkouts.js';
import { checkoutService, installedVersion } from '../../lib/dev/source-tree.js';
import type { ResolvedProfile } from '../../lib/profile/model.js';
import { DockerRuntime } from '../../lib/runtime/docker/docker-runtime.js';
import type { Runtime } from '../../lib/runtime/types.js';
import { interruptSignal, wantsTui, load, makeBus, makeRuntime, out, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerDev(program: Command): void {
  common(
    program.command('dev').description('deploy with source trees mounted, then restart only what each save affects'),
  )
    .option('--quiet-ms <ms>', 'quiet window before a batch of changes is applied', '150')
    .option('--cap-ms <ms>', 'longest a continuous stream of changes is held back', '2000')
    .option(
      '--source <project=dir>',
      'run a project from a checkout (repeatable): nova=~/src/nova feeds every nova service',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(
      action(async (opts: CommonOptions & { quietMs: string; capMs: string; source: string[] }) => {
        if (opts.runtime === 'host')
          throw new BerthError(
            'berth dev works on containers only: it mounts source trees into them',
            'Use --runtime docker (the default).',
          );
        const checkouts = parseSourceFlags(opts.source);
        // --source flags over an environment file's sources:, on every load (a profile edit reloads).
        const loadWithCheckouts = () => {
          const profile = load(opts, { deploying: true });
          return applyCheckouts(profile, { ...profile.checkouts, ...checkouts });
        };
        // Checked before anything deploys: a missing or wrong tree is an error that says how to get one.
        const first = loadWithCheckouts();
        const runtime = makeRuntime(opts);
        await warnOnVersionMismatch(runtime, first, { ...first.checkouts, ...checkouts });
        const tui = wantsTui(opts);
        const bus = makeBus(opts, { lines: !tui });
        const stop = new AbortController();
        const signal = interruptSignal(stop, { quiet: tui });
        const screen = tui ? (await import('../tui/apps.js')).startDevTui(bus, () => stop.abort()) : undefined;
        try {
          await runDev({
            runtime,
            load: loadWithCheckouts,
            bus,
            signal,
            batch: { quietMs: Number(opts.quietMs), capMs: Number(opts.capMs) },
            onControl: screen?.setControl,
          });
        } finally {
          await screen?.finish();
        }
      }),
    );
}

/**
 * A checkout of another release than the image's runs against that release's config and schema: say so,
 * with both versions, when the checkout says its version (berth source trees and sdists do), or, for a git
 * clone, when its nearest tag is another release (major version) than the installed one.
 */
async function warnOnVersionMismatch(
  runtime: Runtime,
  profile: ResolvedProfile,
  checkouts: Record<string, string>,
): Promise<void> {
  if (!(runtime instanceof DockerRuntime)) return;
  for (const [project, dir] of Object.entries(checkouts)) {
    const service = checkoutService(profile, project);
    const theirs = checkoutVersion(dir);
    const tag = theirs ? undefined : checkoutTag(dir);
    if ((!theirs && !tag) || !(await runtime.hasImage(service.image))) continue;
    const installed = await installedVersion(runtime, profile, service).catch(() => undefined);
    if (!installed) continue;
    if (theirs && installed !== theirs)
      out(
        `warning: ${dir} is ${project} ${theirs}, and ${service.image} installed ${installed}: ` +
          `its config and database schema are the image's release's\n`,
      );
    if (tag && otherRelease(tag, installed))
      out(
        `warning: ${dir} is a git clone of ${project} near tag ${tag}, another release than the ${installed} ` +
          `${service.image} installed: its config and database schema are the image's release's\n`,
      );
  }
}
