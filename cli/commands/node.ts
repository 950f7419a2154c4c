import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { addEnrolledNode, removeEnrolledNode, type NodeAddOptions } from '../../lib/nodes/node-add.js';
import { addNode, listNodes } from '../../lib/nodes/nodes.js';
import { ctlplaneMembers } from '../../lib/runtime/docker/ctlplane.js';
import { DockerRuntime } from '../../lib/runtime/docker/docker-runtime.js';
import { interruptSignal, load, out, outJson, type CommonOptions } from '../context.js';
import { action, common } from './shared.js';

const positive = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number above 0, not "${value}"`);
  return n;
};

type AddOptions = CommonOptions & {
  memory: number;
  cpus: number;
  disk: number;
  uefi?: boolean;
  enroll: boolean;
  resourceClass: string;
  flavor: string;
  image: string;
  physicalNetwork: string;
};

function nodeOptions(opts: AddOptions): NodeAddOptions {
  return {
    memoryMb: opts.memory,
    cpus: opts.cpus,
    diskGb: opts.disk,
    uefi: Boolean(opts.uefi),
    resourceClass: opts.resourceClass,
    flavor: opts.flavor,
    image: opts.image,
    physicalNetwork: opts.physicalNetwork,
  };
}

async function addCommand(opts: AddOptions): Promise<void> {
  const profile = load(opts);
  const added = await addNode(profile.project, profile.stateDir, nodeOptions(opts));
  if (!opts.json)
    out(
      `added ${added.name}: MAC ${added.mac}, ${added.memoryMb} MB, ${added.cpus} CPU, BMC ` +
        `${added.bmc.address}:${added.bmc.port} (user ${added.bmc.username}, password in ${added.passwordFile})\n`,
    );
  const why = opts.enroll ? await whyNotEnrolled(profile.project, profile.stateDir) : 'asked not to (--no-enroll)';
  if (why) {
    if (opts.json) return void outJson({ type: 'node.added', node: added, enrolled: null, notEnrolled: why });
    return void out(`not enrolled in ironic: ${why}\n`);
  }
  const started = Date.now();
  const onStep = (step: string) =>
    !opts.json && out(`  ${added.name}: ${step} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  const { enrolled } = await addEnrolledNode(
    profile.project,
    profile.stateDir,
    new DockerRuntime(),
    { ...nodeOptions(opts), signal: interruptSignal(), onStep },
    added,
  );
  if (opts.json) return void outJson({ type: 'node.added', node: added, enrolled });
  out(
    `enrolled ${added.name} in ironic as ${enrolled.uuid}: ${enrolled.provisionState}; ` +
      `openstack server create --flavor ${opts.flavor} --image ${opts.image} --network provisioning NAME\n`,
  );
}

/** Why a new node cannot be enrolled in the project's ironic, or undefined when it can. */
async function whyNotEnrolled(project: string, stateDir: string): Promise<string | undefined> {
  if (!existsSync(join(stateDir, 'clouds.yaml'))) return `project ${project} is not deployed`;
  const runtime = new DockerRuntime();
  const members = await ctlplaneMembers(runtime.docker, project).catch(() => []);
  const conductor = members.find((m) => m.service === 'ironic-conductor');
  if (!conductor)
    return 'its ironic-conductor is not on the ctlplane (deploy with -e profiles/undercloud/environments/provisioning.yaml)';
  if (!conductor.running) return 'its ironic-conductor is not running';
  return undefined;
}

export function registerNode(program: Command): void {
  const node = program
    .command('node')
    .description("the project's virtual baremetal nodes: qemu VMs on its ctlplane, each behind a BMC of its own");
  common(node.command('add').description('make a node (powered off) with its BMC, on the ctlplane'))
    .option('--memory <MB>', 'memory', positive('--memory'), 1024)
    .option('--cpus <n>', 'virtual CPUs', positive('--cpus'), 1)
    .option('--disk <GB>', 'size of its (sparse) disk', positive('--disk'), 8)
    .option('--uefi', 'boot with UEFI firmware (OVMF) instead of SeaBIOS')
    .option('--no-enroll', 'do not enroll it in ironic, even where ironic-conductor is on the ctlplane')
    .option('--resource-class <name>', "ironic's resource class for it, which the flavor asks for", 'baremetal')
    .option('--flavor <name>', 'the flavor made (when missing) for one whole node of the resource class', 'baremetal')
    .option(
      '--image <name>',
      'the glance image made (when missing) from the ramdisk, for server create',
      'berth-ramdisk',
    )
    .option('--physical-network <name>', "its port's physical network (the profile's ctlplane_physnet)", 'ctlplane')
    .action(action(async (opts: AddOptions) => addCommand(opts)));
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
    node
      .command('remove')
      .argument('<name>')
      .description("stop a node and its BMC, and delete it, its disk and ironic's record of it"),
  ).action(
    action(async (name: string, opts: CommonOptions) => {
      const profile = load(opts);
      const { ironicNode, ironicUnreachable } = await removeEnrolledNode(profile.project, profile.stateDir, name);
      if (opts.json)
        return void outJson({ type: 'node.removed', node: name, ironicNode: ironicNode ?? null, ironicUnreachable });
      out(`removed ${name}${ironicNode ? ` and ironic node ${ironicNode}` : ''}\n`);
      if (ironicUnreachable)
        out(
          `ironic was not asked (${ironicUnreachable}): a record of ${name} there stays. Once the undercloud is up, ` +
            `"openstack baremetal node delete ${name}" removes it; "berth down --volumes" removes ironic's database.\n`,
        );
    }),
  );
}
