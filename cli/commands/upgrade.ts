import type { Command } from 'commander';
import { BerthError } from '../../lib/errors.js';
import { verify } from '../../lib/ops/verify.js';
import { cleanupHost, upgradeFromHost } from '../../lib/lifecycle/upgrade.js';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { out, interruptSignal, load, makeBus, makeDockerRuntime, type CommonOptions } from '../context.js';
import { action, common, printVerify } from './shared.js';

export function registerUpgrade(program: Command): void {
  common(
    program
      .command('upgrade')
      .description('major upgrade: move a host-runtime deployment into containers, service by service, data included'),
  )
    .requiredOption('--from <runtime>', 'where the deployment runs now: host')
    .option('--cleanup', 'after a verified upgrade, purge the host packages berth installed and remove the host data')
    .action(
      action(async (opts: CommonOptions & { from: string; cleanup?: boolean }) => {
        if (opts.from !== 'host')
          throw new BerthError(
            `cannot upgrade from "${opts.from}"`,
            'The one major upgrade is --from host (host processes to containers).',
          );
        const hostProfile = load({ ...opts, runtime: 'host' }, { deploying: true });
        const profile = load({ ...opts, runtime: 'docker' }, { deploying: true });
        const bus = makeBus(opts);
        const host = new HostRuntime();
        const docker = makeDockerRuntime();
        const report = await upgradeFromHost({
          host,
          docker,
          hostProfile,
          profile,
          bus,
          signal: interruptSignal(),
        });
        if (!opts.json) {
          out(`moved to containers: ${report.moved.join(', ') || 'nothing'}; backups in ${report.backupDir}\n`);
          const downtimes = Object.entries(report.downtimeMs).map(([s, ms]) => `${s} ${(ms / 1000).toFixed(1)} s`);
          if (downtimes.length) out(`downtime (host process stopped to container healthy): ${downtimes.join(', ')}\n`);
        }
        const failed = printVerify(await verify(docker, profile), opts.json);
        if (failed) {
          if (opts.cleanup) out('not cleaning up: verification failed\n');
          return 1;
        }
        if (opts.cleanup) await cleanupHost({ host, hostProfile, bus });
        return 0;
      }),
    );
}
