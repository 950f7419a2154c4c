import type { Command } from 'commander';
import { BerthError } from '../../lib/errors.js';
import { out, interruptSignal, load, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerLogs(program: Command): void {
  common(program.command('logs').description('container logs, prefixed by service').argument('[service]'))
    .option('-f, --follow', 'keep following')
    .option('--tail <n>', 'lines per service', '100')
    .action(
      action(async (service: string | undefined, opts: CommonOptions & { follow?: boolean; tail: string }) => {
        const profile = load(opts);
        const runtime = makeRuntime(opts);
        const instances = (await runtime.list(profile.project)).filter((i) => !service || i.service === service);
        if (service && instances.length === 0)
          throw new BerthError(
            `service ${service} has no container in project ${profile.project}`,
            'See "berth status".',
          );
        const width = Math.max(...instances.map((i) => i.service.length));
        for (const i of instances)
          for (const line of await runtime.logs(i.id, { tail: Number(opts.tail) }))
            out(`${i.service.padEnd(width)} | ${line}\n`);
        if (opts.follow) {
          const signal = interruptSignal();
          await Promise.all(
            instances.map((i) =>
              runtime.followLogs(i.id, (line) => out(`${i.service.padEnd(width)} | ${line}\n`), signal),
            ),
          );
        }
      }),
    );
}
