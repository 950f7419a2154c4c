import type { Command } from 'commander';
import { BerthError } from '../../lib/errors.js';
import { runDev } from '../../lib/dev/dev-loop.js';
import { interruptSignal, wantsTui, load, makeBus, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerDev(program: Command): void {
  common(
    program.command('dev').description('deploy with source trees mounted, then restart only what each save affects'),
  )
    .option('--quiet-ms <ms>', 'quiet window before a batch of changes is applied', '150')
    .option('--cap-ms <ms>', 'longest a continuous stream of changes is held back', '2000')
    .action(
      action(async (opts: CommonOptions & { quietMs: string; capMs: string }) => {
        if (opts.runtime === 'host')
          throw new BerthError(
            'berth dev works on containers only: it mounts source trees into them',
            'Use --runtime docker (the default).',
          );
        const tui = wantsTui(opts);
        const bus = makeBus(opts, { lines: !tui });
        const stop = new AbortController();
        const signal = interruptSignal(stop, { quiet: tui });
        const screen = tui ? (await import('../tui/apps.js')).startDevTui(bus, () => stop.abort()) : undefined;
        try {
          await runDev({
            runtime: makeRuntime(opts),
            load: () => load(opts, { deploying: true }),
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
