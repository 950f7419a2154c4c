import type { Command } from 'commander';
import { downNodes } from '../../lib/nodes/nodes.js';
import { down } from '../../lib/ops/down.js';
import { out, load, makeBus, makeRuntime, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

export function registerDown(program: Command): void {
  common(program.command('down').description('stop and remove the project; named volumes are kept unless --volumes'))
    .option('--volumes', 'also remove named data volumes (destroys data)')
    .action(
      action(async (opts: CommonOptions & { volumes?: boolean }) => {
        const profile = load(opts);
        const result = await down(makeRuntime(opts), profile.project, makeBus(opts), {
          volumes: Boolean(opts.volumes),
          services: profile.services,
        });
        // The ctlplane and every process in it (virtual nodes, their BMCs, dnsmasq); the nodes' disks are data.
        const nodes = await downNodes(profile.project, profile.stateDir, { volumes: Boolean(opts.volumes) });
        if (!opts.json) {
          out(`removed ${result.removed.length} containers from ${profile.project}\n`);
          if (result.volumesKept.length)
            out(`kept volumes (data): ${result.volumesKept.join(', ')}; "berth down --volumes" removes them\n`);
          if (result.volumesRemoved.length) out(`removed volumes: ${result.volumesRemoved.join(', ')}\n`);
          if (nodes.ctlplaneRemoved) out('removed the ctlplane namespace and every process in it\n');
          if (nodes.nodesKept.length)
            out(`kept virtual nodes' disks: ${nodes.nodesKept.join(', ')}; "berth down --volumes" removes them\n`);
          if (nodes.nodesRemoved.length) out(`removed virtual nodes: ${nodes.nodesRemoved.join(', ')}\n`);
        }
      }),
    );
}
