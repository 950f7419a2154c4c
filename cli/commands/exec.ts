import type { Command } from 'commander';
import { BerthError } from '../../lib/errors.js';
import { out, load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerExec(program: Command): void {
  common(
    program
      .command('exec')
      .description('run a command in a service container')
      .argument('<service>')
      .argument('<command...>'),
  ).action(
    action(async (service: string, command: string[], opts: CommonOptions) => {
      const profile = load(opts);
      const runtime = makeRuntime(opts);
      const instance = (await runtime.list(profile.project)).find((i) => i.service === service && i.running);
      if (!instance)
        throw new BerthError(
          `service ${service} is not running in project ${profile.project}`,
          'See "berth status", or deploy first.',
        );
      const result = await runtime.exec(instance.id, command);
      out(result.output);
      return result.exitCode;
    }),
  );
}
