import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import { writeNodeFiles, type Bmc } from './bmc.js';
import { livePid } from './pid-file.js';
import {
  addTap,
  ctlplaneFor,
  ensureCtlplane,
  inNamespace,
  ipIn,
  namespaceExists,
  removeCtlplane,
  run,
  tapName,
  type Ctlplane,
} from './ctlplane.js';

/** What `berth node add` records of a node, in nodes/NAME/node.json. The BMC password is in its own 0600 file. */
export interface VirtualNode {
  name: string;
  mac: string;
  memoryMb: number;
  cpus: number;
  diskGb: number;
  uefi: boolean;
  bmc: Omit<Bmc, 'password'>;
  /** The file holding the BMC password, for ironic's driver_info (ipmi_password) and ipmitool -f. */
  passwordFile: string;
}

export interface NodeStatus extends VirtualNode {
  bmcRunning: boolean;
  power: 'on' | 'off' | 'unknown';
}

const OVMF = '/usr/share/qemu/OVMF.fd';
const MAX_NODES = 50;

export function nodesDir(projectStateDir: string): string {
  return join(projectStateDir, 'nodes');
}

/** One node's directory: its disk, BMC config and password, pid files and console log. */
export function nodeDir(projectStateDir: string, name: string): string {
  return join(nodesDir(projectStateDir), name);
}

/** The node with index i: its name, MAC and BMC address follow from it, so a second add never reuses one. */
export function nodeIdentity(i: number): { name: string; mac: string; bmcAddress: string } {
  return {
    name: `node-${i}`,
    mac: `52:54:00:24:00:${i.toString(16).padStart(2, '0')}`,
    bmcAddress: `192.168.24.${10 + i}`,
  };
}

export function readNodes(projectStateDir: string): VirtualNode[] {
  const dir = nodesDir(projectStateDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'node.json')))
    .map((d) => JSON.parse(readFileSync(join(dir, d, 'node.json'), 'utf8')) as VirtualNode)
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/**
 * ipmitool against a node's BMC from inside the ctlplane, as ironic-conductor will call it. ipmi_sim runs
 * chassis-control synchronously, so a power on or reset answers once qemu has started: 5 s an attempt, 3 retries.
 */
export function ipmi(net: Ctlplane, node: VirtualNode, ...command: string[]) {
  const bmc = `-H ${node.bmc.address} -p ${node.bmc.port} -U ${node.bmc.username}`.split(' ');
  const session = ['-I', 'lanplus', '-C', '3', '-L', 'ADMINISTRATOR', '-R', '3', '-N', '5'];
  return run('ip', inNamespace(net, 'ipmitool', ...session, ...bmc, '-f', node.passwordFile, ...command));
}

/** Starts the node's BMC inside the ctlplane unless it runs; its address goes on the bridge first. */
async function ensureBmc(net: Ctlplane, node: VirtualNode, dir: string): Promise<void> {
  if (livePid(join(dir, 'bmc.pid'), join(dir, 'lan.conf'))) return;
  const addr = await ipIn(net, '-o', 'addr', 'show', 'dev', net.bridge);
  if (!addr.stdout.includes(` ${node.bmc.address}/`))
    await ipIn(net, 'addr', 'add', `${node.bmc.address}/32`, 'dev', net.bridge);
  const log = openSync(join(dir, 'bmc.log'), 'a');
  // Detached in a session of its own: the BMC, like a real one, outlives the command that made it. It stays inside
  // the project's namespace, which is how down finds it, and so does every qemu its chassis-control starts.
  const sim = spawn(
    'ip',
    inNamespace(net, 'ipmi_sim', '-c', join(dir, 'lan.conf'), '-f', join(dir, 'sim.emu'), '-n', '-s', dir),
    { detached: true, stdio: ['ignore', log, log] },
  );
  sim.unref();
  closeSync(log);
  writeFileSync(join(dir, 'bmc.pid'), String(sim.pid));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await ipmi(net, node, 'power', 'status');
    if (r.exitCode === 0) return;
    if (Date.now() > deadline)
      throw new BerthError(
        `node ${node.name}: its BMC did not answer on ${node.bmc.address}:${node.bmc.port} within 30 s`,
        `See ${join(dir, 'bmc.log')}.`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The nodes already made get their taps and BMCs back where they are missing (after a down, a host reboot or a
 * kill); their VMs stay off until the BMC (ironic) powers them on. Returns them.
 */
export async function ensureNodes(net: Ctlplane, projectStateDir: string): Promise<VirtualNode[]> {
  const nodes = readNodes(projectStateDir);
  for (const n of nodes) {
    await addTap(net, n.name);
    await ensureBmc(net, n, nodeDir(projectStateDir, n.name));
  }
  return nodes;
}

/**
 * A new virtual node: a qemu machine (TCG) with one NIC on the project's ctlplane and an empty disk, behind a BMC of
 * its own on the ctlplane. It starts powered off; its BMC (or ironic through it) powers it on. Without --uefi it
 * boots with SeaBIOS; either way from its NIC first once the BMC says `bootdev pxe`.
 */
export async function addNode(
  project: string,
  projectStateDir: string,
  opts: { memoryMb: number; cpus: number; diskGb: number; uefi: boolean },
): Promise<VirtualNode> {
  if (opts.uefi && !existsSync(OVMF))
    throw new BerthError(`--uefi needs UEFI firmware at ${OVMF}`, 'Install it with "apt-get install ovmf".');
  const net = ctlplaneFor(project, projectStateDir);
  await ensureCtlplane(net);
  const existing = await ensureNodes(net, projectStateDir);
  const taken = new Set(existing.map((n) => n.name));
  let index = 1;
  while (taken.has(nodeIdentity(index).name)) index++;
  if (index > MAX_NODES)
    throw new BerthError(`project ${project} has ${MAX_NODES} virtual nodes`, 'Remove one with "berth node remove".');
  const id = nodeIdentity(index);
  const dir = nodeDir(projectStateDir, id.name);
  mkdirSync(dir, { recursive: true });
  // IPMI v2 caps a password at 20 bytes.
  const password = randomBytes(8).toString('hex');
  const passwordFile = join(dir, 'bmc-password');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  const disk = join(dir, 'disk.img');
  writeFileSync(disk, '');
  truncateSync(disk, opts.diskGb * 1024 ** 3); // sparse: it takes no space until the node writes to it
  const tap = await addTap(net, id.name);
  const node: VirtualNode = {
    name: id.name,
    mac: id.mac,
    ...opts,
    bmc: { address: id.bmcAddress, port: 623, username: 'admin' },
    passwordFile,
  };
  writeNodeFiles(
    dir,
    {
      name: id.name,
      memoryMb: opts.memoryMb,
      cpus: opts.cpus,
      disk,
      uefiFirmware: opts.uefi ? OVMF : undefined,
      nics: [{ mac: id.mac, kind: 'tap', ifname: tap }],
    },
    { ...node.bmc, password },
  );
  writeFileSync(join(dir, 'node.json'), JSON.stringify(node, null, 2) + '\n');
  await ensureBmc(net, node, dir);
  return node;
}

/** Every node with what its BMC says of its power, asked over IPMI like ironic would. */
export async function listNodes(project: string, projectStateDir: string): Promise<NodeStatus[]> {
  const net = ctlplaneFor(project, projectStateDir);
  const up = namespaceExists(net);
  return Promise.all(
    readNodes(projectStateDir).map(async (node) => {
      const dir = nodeDir(projectStateDir, node.name);
      const bmcRunning = up && livePid(join(dir, 'bmc.pid'), join(dir, 'lan.conf')) !== undefined;
      let power: NodeStatus['power'] = 'unknown';
      if (bmcRunning) {
        const r = await ipmi(net, node, 'power', 'status');
        if (r.exitCode === 0) power = r.stdout.trim().endsWith(' on') ? 'on' : 'off';
      }
      return { ...node, bmcRunning, power };
    }),
  );
}

/** A node's VM and BMC stop, its tap and address go, and its directory (its disk) with them. */
export async function removeNode(project: string, projectStateDir: string, name: string): Promise<void> {
  const node = readNodes(projectStateDir).find((n) => n.name === name);
  if (!node) {
    const names = readNodes(projectStateDir).map((n) => n.name);
    throw new BerthError(
      `project ${project} has no virtual node "${name}"`,
      names.length ? `Its nodes: ${names.join(', ')}.` : 'It has none; "berth node add" makes one.',
    );
  }
  const net = ctlplaneFor(project, projectStateDir);
  const dir = nodeDir(projectStateDir, name);
  const vm = livePid(join(dir, 'pid'), `berth-node-${name}`);
  const bmc = livePid(join(dir, 'bmc.pid'), join(dir, 'lan.conf'));
  for (const pid of [vm, bmc]) if (pid) process.kill(pid, 'SIGKILL');
  if (namespaceExists(net)) {
    await ipIn(net, 'link', 'delete', tapName(name));
    await ipIn(net, 'addr', 'del', `${node.bmc.address}/32`, 'dev', net.bridge);
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * What `berth down` does to the nodes: the ctlplane goes with every process in it (VMs, BMCs, dnsmasq). The nodes'
 * directories hold their disks, which are data: they go only with --volumes, and a later `berth node add` or deploy
 * finds them again.
 */
export async function downNodes(
  project: string,
  projectStateDir: string,
  opts: { volumes: boolean },
): Promise<{ ctlplaneRemoved: boolean; nodesRemoved: string[]; nodesKept: string[] }> {
  const net = ctlplaneFor(project, projectStateDir);
  const ctlplaneRemoved = namespaceExists(net);
  await removeCtlplane(net);
  const names = readNodes(projectStateDir).map((n) => n.name);
  if (opts.volumes) rmSync(nodesDir(projectStateDir), { recursive: true, force: true });
  return { ctlplaneRemoved, nodesRemoved: opts.volumes ? names : [], nodesKept: opts.volumes ? [] : names };
}
