import type { Command } from 'commander';
import { update } from '../../lib/lifecycle/update.js';
import { deploy } from '../../lib/deploy/deploy.js';
import { clientEngine } from '../../lib/runtime/client-engine.js';
import { makeRuntime, type CommonOptions } from '../context.js';
import { action, common, withDeployReporting } from './shared.js';

export function registerDeployAndUpdate(program: Command): void {
  common(
    program
      .command('deploy')
      .description('converge the project to the profile: build, create, start, health-gate, bootstrap'),
  )
    .option('--concurrency <n>', 'services started at once', '6')
    .option('--build', 'rebuild images even when their build context is unchanged')
    .option('--build-concurrency <n>', 'image builds at once', process.env.BERTH_BUILD_CONCURRENCY ?? '4')
    .action(
      action((opts: CommonOptions & { concurrency: string; build?: boolean; buildConcurrency: string }) =>
        withDeployReporting(opts, async ({ profile, bus, signal }) => {
          const runtime = makeRuntime(opts, { cancelWrites: true });
          return deploy({
            runtime,
            profile,
            bus,
            signal,
            concurrency: Number(opts.concurrency),
            buildConcurrency: Math.max(1, Number(opts.buildConcurrency) || 4),
            forceBuild: opts.build,
            clientImages: profile.images.length ? (await clientEngine(runtime))?.images : undefined,
          });
        }),
      ),
    );

  common(
    program
      .command('update')
      .description(
        'minor update: rebuild changed images (or refresh packages), then recreate what changed one service at a time, rolling a failed one back',
      ),
  )
    .option('--refresh', 'rebuild every image without the build cache, so packages are current')
    .option('--no-rollback', 'leave a service that fails its update as it is, for debugging')
    .action(
      action((opts: CommonOptions & { refresh?: boolean; rollback: boolean }) =>
        withDeployReporting(opts, ({ profile, bus, signal }) =>
          update({
            runtime: makeRuntime(opts, { cancelWrites: true }),
            profile,
            bus,
            signal,
            refreshPackages: opts.refresh,
            rollback: opts.rollback,
          }),
        ),
      ),
    );
}
