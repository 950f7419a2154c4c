import type { Command } from 'commander';
import { addNode, listNodes, removeNode } from '../../lib/nodes/nodes.js';
import { load, out, outJson, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

const positive = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number above 0, not "${value}"`);
  return n;
};

export function registerNode(program: Command): void {
  const node = program
    .command('node')
    .description("the project's virtual baremetal nodes: qemu VMs on its ctlplane, each behind a BMC of its own");
  common(node.command('add').description('make a node (powered off) with its BMC, on the ctlplane'))
    .option('--memory <MB>', 'memory', positive('--memory'), 1024)
    .option('--cpus <n>', 'virtual CPUs', positive('--cpus'), 1)
    .option('--disk <GB>', 'size of its (sparse) disk', positive('--disk'), 8)
    .option('--uefi', 'boot with UEFI firmware (OVMF) instead of SeaBIOS')
    .action(
      action(async (opts: CommonOptions & { memory: number; cpus: number; disk: number; uefi?: boolean }) => {
        const profile = load(opts);
        const added = await addNode(profile.project, profile.stateDir, {
          memoryMb: opts.memory,
          cpus: opts.cpus,
          diskGb: opts.disk,
          uefi: Boolean(opts.uefi),
        });
        if (opts.json) return void outJson({ type: 'node.added', node: added });
        out(
          `added ${added.name}: MAC ${added.mac}, ${added.memoryMb} MB, ${added.cpus} CPU, BMC ` +
            `${added.bmc.address}:${added.bmc.port} (user ${added.bmc.username}, password in ${added.passwordFile})\n`,
        );
      }),
    );
  common(node.command('list').description('each node, its BMC and its power state as the BMC reports it')).action(
    action(async (opts: CommonOptions) => {
      const profile = load(opts);
      const nodes = await listNodes(profile.project, profile.stateDir);
      if (opts.json) return void outJson({ type: 'node.list', project: profile.project, nodes });
      if (!nodes.length) return void out(`project ${profile.project} has no virtual nodes ("berth node add")\n`);
      for (const n of nodes)
        out(
          `${n.name.padEnd(10)} ${n.mac}  power ${n.power.padEnd(7)} BMC ${n.bmc.address}:${n.bmc.port}` +
            `${n.bmcRunning ? '' : ' (BMC not running; "berth node add" starts it again)'}\n`,
        );
    }),
  );
  common(
    node.command('remove').argument('<name>').description('stop a node and its BMC, and delete it and its disk'),
  ).action(
    action(async (name: string, opts: CommonOptions) => {
      const profile = load(opts);
      await removeNode(profile.project, profile.stateDir, name);
      if (!opts.json) out(`removed ${name}\n`);
    }),
  );
}
