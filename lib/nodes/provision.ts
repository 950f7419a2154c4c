import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';
import type { OpenStackApi } from '../openstack/api.js';
import { inNamespace, namespaceExists, run, type Ctlplane } from './ctlplane.js';
import { IRONIC } from './enroll.js';
import { until } from './wait.js';

interface Server {
  id: string;
  status: string;
  fault?: { message: string };
}

async function idByName(api: OpenStackApi, service: string, path: string, key: string, name: string) {
  const { body } = await api.call<Record<string, { id: string; name: string }[]>>(service, 'GET', path);
  const found = body[key]!.find((x) => x.name === name);
  if (!found)
    throw new BerthError(`${service}: no ${key.replace(/s$/, '')} named "${name}"`, 'berth node add makes it.');
  return found.id;
}

/** A server through nova, which schedules it onto an ironic node; resolves once it is ACTIVE. */
export async function createServer(
  api: OpenStackApi,
  opts: { name: string; flavor: string; image: string; network: string; timeoutMs?: number },
): Promise<{ id: string; node: string }> {
  const flavorRef = await idByName(api, 'compute', '/flavors', 'flavors', opts.flavor);
  const imageRef = await idByName(api, 'image', '/v2/images', 'images', opts.image);
  const network = await idByName(api, 'network', '/v2.0/networks', 'networks', opts.network);
  const made = await api.call<{ server: { id: string } }>('compute', 'POST', '/servers', {
    body: { server: { name: opts.name, flavorRef, imageRef, networks: [{ uuid: network }] } },
  });
  const id = made.body.server.id;
  await until(`server ${opts.name} to be ACTIVE`, opts.timeoutMs ?? 300_000, async () => {
    const { body } = await api.call<{ server: Server }>('compute', 'GET', `/servers/${id}`);
    if (body.server.status === 'ERROR')
      throw new BerthError(`server ${opts.name} went to ERROR: ${body.server.fault?.message ?? 'no fault given'}`);
    return body.server.status === 'ACTIVE' ? true : undefined;
  });
  const { body } = await api.call<{ nodes: { uuid: string }[] }>('baremetal', 'GET', `/v1/nodes?instance_uuid=${id}`, {
    headers: IRONIC,
  });
  return { id, node: body.nodes[0]!.uuid };
}

/** Deletes the server and waits until nova has forgotten it and ironic has its node available again. */
export async function deleteServer(api: OpenStackApi, id: string, node: string, timeoutMs = 300_000): Promise<void> {
  await api.call('compute', 'DELETE', `/servers/${id}`, { expect: [204, 404] });
  await until(`server ${id} to be gone`, timeoutMs, async () => {
    const { status } = await api.call('compute', 'GET', `/servers/${id}`, { expect: [200, 404] });
    return status === 404 ? true : undefined;
  });
  await until(`node ${node} to be available again`, timeoutMs, async () => {
    const { body } = await api.call<{ provision_state: string; last_error: string | null }>(
      'baremetal',
      'GET',
      `/v1/nodes/${node}`,
      { headers: IRONIC },
    );
    if (body.provision_state === 'error' || body.provision_state === 'clean failed')
      throw new BerthError(`node ${node} went to ${body.provision_state}: ${body.last_error}`);
    return body.provision_state === 'available' ? true : undefined;
  });
}

/** The server's address on the ctlplane: its port's, which neutron's DHCP agent hands the node. */
export async function serverAddress(api: OpenStackApi, serverId: string): Promise<string> {
  const { body } = await api.call<{ ports: { fixed_ips: { ip_address: string }[] }[] }>(
    'network',
    'GET',
    `/v2.0/ports?device_id=${serverId}`,
  );
  const address = body.ports[0]?.fixed_ips[0]?.ip_address;
  if (!address) throw new BerthError(`server ${serverId} has no port with an address in neutron`);
  return address;
}

/**
 * What the node's ramdisk answers over HTTP on port 80, asked from inside the project's namespace (bash's /dev/tcp,
 * so the host needs no HTTP client); undefined while nothing answers.
 */
export async function askNode(net: Ctlplane, address: string): Promise<string | undefined> {
  const script = `exec 3<>/dev/tcp/${address}/80 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 5 cat <&3`;
  const r = await run('ip', inNamespace(net, 'timeout', '10', 'bash', '-c', script));
  return r.exitCode === 0 && r.stdout.includes('node=') ? r.stdout.split('\r\n\r\n').pop()!.trim() : undefined;
}

/**
 * The last lines berth's ramdisk wrote on the node's serial console, for a failure's message. The firmware and iPXE
 * print to the screen, not the serial port, so an empty console means the node never got past its network boot.
 */
export function consoleTail(nodeDir: string, lines = 8): string {
  let text: string;
  try {
    text = readFileSync(join(nodeDir, 'console.log'), 'utf8').replaceAll('\r', '');
  } catch {
    return 'no console log: the VM was never started';
  }
  // A kernel message can land on the same line ahead of the ramdisk's, so its lines are found anywhere in a line.
  const ours = text
    .split('\n')
    .filter((l) => l.includes('berth-ramdisk:'))
    .map((l) => l.slice(l.indexOf('berth-ramdisk:')));
  if (ours.length) return ours.slice(-lines).join('\n');
  return text.trim()
    ? `the kernel started, the ramdisk said nothing yet:\n${text.trim().split('\n').slice(-lines).join('\n')}`
    : 'the console is empty: the node did not get past its network boot (DHCP, iPXE)';
}

/** Waits until the node's responder answers at this address; returns the answer. */
export async function waitForAnswer(net: Ctlplane, address: string, timeoutMs = 180_000): Promise<string> {
  return until(`the node at ${address} to answer on the ctlplane`, timeoutMs, () => askNode(net, address));
}

/**
 * What is left of a project's ctlplane and nodes on this machine: its namespace, and processes whose command line
 * names the project's nodes directory (every VM's disk and every BMC's config are there). Read from /proc.
 */
export function ctlplaneLeftovers(net: Ctlplane, nodesDir: string): string[] {
  const left: string[] = [];
  if (namespaceExists(net)) left.push(`network namespace ${net.namespace}`);
  return [...left, ...processesNaming([`${nodesDir}/`, `${net.stateDir}/`])];
}

/** Each process (but this one) whose command line holds one of the texts, as "process PID: its command line". */
export function processesNaming(texts: string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (texts.some((t) => cmdline.includes(t))) found.push(`process ${entry}: ${cmdline.slice(0, 120)}`);
  }
  return found;
}
