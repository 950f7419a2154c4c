import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import { isAlive } from '../runtime/host/instance-files.js';
import { livePid } from './pid-file.js';

/**
 * The provisioning network a project's virtual nodes boot on: a bridge inside a network namespace berth makes for the
 * project. It has private addresses only, no route and no link out of the namespace, so nothing a node sends can
 * leave it. Neutron's DHCP agent answers the nodes' DHCP (its linuxbridge agent bridges the agent's ctlplane link
 * into the provisioning network); dnsmasq on the bridge sends only the IPv6 router advertisements iPXE waits for.
 */
export interface Ctlplane {
  project: string;
  namespace: string;
  bridge: string;
  /** 192.168.24.0/24, TripleO's ctlplane subnet. */
  cidr: string;
  gateway: string;
  /** A unique-local /64 made from the project's name, so two projects' namespaces never share one. */
  ipv6Prefix: string;
  stateDir: string;
}

export function ctlplaneFor(project: string, projectStateDir: string): Ctlplane {
  const hex = createHash('sha256').update(project).digest('hex');
  const ula = `fd${hex.slice(0, 2)}:${hex.slice(2, 6)}:${hex.slice(6, 10)}:24`;
  return {
    project,
    namespace: `berth-${project}`,
    bridge: 'br-ctlplane',
    cidr: '192.168.24.0/24',
    gateway: '192.168.24.1',
    ipv6Prefix: `${ula}::/64`,
    stateDir: join(projectStateDir, 'ctlplane'),
  };
}

/** A node's tap on the bridge: interface names stop at 15 characters, so the node's name is hashed into it. */
export function tapName(node: string): string {
  return `tap-${createHash('sha256').update(node).digest('hex').slice(0, 8)}`;
}

export function dnsmasqArgs(net: Ctlplane): string[] {
  return [
    '--conf-file=/dev/null',
    '--port=0', // no DNS server on the ctlplane
    `--interface=${net.bridge}`,
    '--bind-interfaces',
    '--except-interface=lo',
    // Router advertisements alone: without one iPXE waits about 13 s longer; DHCP is neutron's (ra-only offers none).
    `--dhcp-range=${net.ipv6Prefix.replace('::/64', '::')},ra-only`,
    '--enable-ra',
    `--pid-file=${join(net.stateDir, 'dnsmasq.pid')}`,
    `--log-facility=${join(net.stateDir, 'dnsmasq.log')}`,
  ];
}

/** Runs a command to its end and gives back how it ended; the callers decide what a failure means. */
export async function run(
  command: string,
  args: string[],
): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  const { execa } = await import('execa');
  const r = await execa(command, args, { reject: false });
  // A command that is not installed never ran: no exit code and no stderr, only the spawn error's code.
  const notFound = (r as { code?: string }).code === 'ENOENT' ? `spawn ${command} ENOENT` : '';
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) || notFound };
}

/** The Debian package of each host tool the ctlplane runs, for the error when one is not installed. */
const HOST_TOOLS: Record<string, string> = {
  dnsmasq: 'dnsmasq-base',
  'qemu-system-x86_64': 'qemu-system-x86',
  ipmi_sim: 'openipmi',
  ipmitool: 'ipmitool',
  nsenter: 'util-linux',
  ip: 'iproute2',
};

/** What to do about a failed host command: install the tool `ip netns exec` (or execa) could not find, or be root. */
export function hostCommandHint(command: string, stderr: string): string {
  const tool = /exec of "([^"]+)" failed: No such file/.exec(stderr)?.[1] ?? (/ENOENT/.test(stderr) ? command : '');
  if (tool && HOST_TOOLS[tool])
    return `${tool} is not installed on this host: apt-get install ${HOST_TOOLS[tool]} (bash scripts/test-deps.sh installs every tool the ctlplane needs).`;
  if (tool) return `${tool} is not installed on this host.`;
  return 'berth needs root.';
}

export async function must(what: string, command: string, args: string[]): Promise<string> {
  const r = await run(command, args);
  if (r.exitCode !== 0)
    throw new BerthError(
      `ctlplane: ${what} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`,
      hostCommandHint(command, r.stderr),
    );
  return r.stdout;
}

/** `ip`'s arguments to run a command inside the project's namespace. */
export function inNamespace(net: Ctlplane, ...command: string[]): string[] {
  return ['netns', 'exec', net.namespace, ...command];
}

/** `ip ARGS` inside the project's namespace (its links and addresses), however it ends. */
export function ipIn(net: Ctlplane, ...args: string[]) {
  return run('ip', inNamespace(net, 'ip', ...args));
}

/** `ip netns add` names a namespace by a file under /run/netns; reading it needs neither root nor iproute2. */
export function namespaceExists(net: Ctlplane): boolean {
  return existsSync(join('/run/netns', net.namespace));
}

/** Makes the namespace, its bridge and dnsmasq; a part that already exists is kept. */
export async function ensureCtlplane(net: Ctlplane): Promise<void> {
  mkdirSync(net.stateDir, { recursive: true });
  const inNs = (args: string[]) => inNamespace(net, ...args);
  if (!namespaceExists(net)) {
    await must('making the namespace', 'ip', ['netns', 'add', net.namespace]);
    await must('bringing up lo', 'ip', inNs(['ip', 'link', 'set', 'lo', 'up']));
    await must('making the bridge', 'ip', inNs(['ip', 'link', 'add', net.bridge, 'type', 'bridge']));
    const prefix = Number(net.cidr.split('/')[1]);
    await must(
      'addressing the bridge',
      'ip',
      inNs(['ip', 'addr', 'add', `${net.gateway}/${prefix}`, 'dev', net.bridge]),
    );
    const v6 = net.ipv6Prefix.replace('::/64', '::1/64');
    await must('addressing the bridge (IPv6)', 'ip', inNs(['ip', '-6', 'addr', 'add', v6, 'dev', net.bridge, 'nodad']));
    await must('bringing up the bridge', 'ip', inNs(['ip', 'link', 'set', net.bridge, 'up']));
  }
  const running = dnsmasqPid(net);
  // One started by an older berth, with other arguments (its DHCP range, before neutron answered the nodes), would
  // answer beside neutron's DHCP agent: it is replaced.
  if (running && !sameArgs(running, ['dnsmasq', ...dnsmasqArgs(net)])) await stopProcess(running);
  if (!dnsmasqPid(net)) {
    // dnsmasq daemonises itself and writes its pid file, so it outlives the berth command that started it.
    await must('starting dnsmasq', 'ip', inNs(['dnsmasq', ...dnsmasqArgs(net)]));
  }
}

/** Whether the process runs with exactly this command line (read from /proc; gone counts as the same). */
function sameArgs(pid: number, argv: string[]): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === argv.join('\0') + '\0';
  } catch {
    return true;
  }
}

/** SIGTERM, and waits (at most 5 s) for the process to go; dnsmasq ends at once on it. */
async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

export function dnsmasqPid(net: Ctlplane): number | undefined {
  const pidFile = join(net.stateDir, 'dnsmasq.pid');
  return livePid(pidFile, `--pid-file=${pidFile}`);
}

/** A tap for a node's NIC, on the bridge; qemu started inside the namespace opens it by name. */
export async function addTap(net: Ctlplane, node: string): Promise<string> {
  const tap = tapName(node);
  const inNs = (args: string[]) => inNamespace(net, 'ip', ...args);
  const exists = await ipIn(net, 'link', 'show', tap);
  if (exists.exitCode !== 0) await must(`making ${tap}`, 'ip', inNs(['tuntap', 'add', 'dev', tap, 'mode', 'tap']));
  await must(`putting ${tap} on the bridge`, 'ip', inNs(['link', 'set', tap, 'master', net.bridge, 'up']));
  return tap;
}

/**
 * Everything goes: each process still in the namespace (dnsmasq, VMs, BMCs) is killed, then the namespace, which
 * takes the bridge and the taps with it.
 */
export async function removeCtlplane(net: Ctlplane): Promise<void> {
  if (!namespaceExists(net)) return;
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = (await must('listing its processes', 'ip', ['netns', 'pids', net.namespace]))
      .split('\n')
      .filter(Boolean)
      .map(Number);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, attempt < 20 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await must('removing the namespace', 'ip', ['netns', 'delete', net.namespace]);
}
