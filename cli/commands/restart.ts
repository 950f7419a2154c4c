import type { Command } from 'commander';
import { restartService } from '../../lib/ops/restart.js';
import { interruptSignal, out, load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerRestart(program: Command): void {
  common(
    program.command('restart').description('restart one service and wait for its health').argument('<service>'),
  ).action(
    action(async (name: string, opts: CommonOptions) => {
      const { ms, healthy } = await restartService(makeRuntime(opts), load(opts), name, interruptSignal());
      out(`${name} restarted and ${healthy ? 'healthy' : 'running'} in ${(ms / 1000).toFixed(1)} s\n`);
    }),
  );
}
