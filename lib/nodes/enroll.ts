import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BerthError } from '../errors.js';
import type { OpenStackApi } from '../openstack/api.js';
import type { VirtualNode } from './nodes.js';
import { until } from './wait.js';

/** Ironic's API version berth speaks: 1.78 is the newest of the 2023.1 ironic Debian ships (21.4). */
export const IRONIC = { 'X-OpenStack-Ironic-API-Version': '1.78' };
const PLACEMENT = { 'OpenStack-API-Version': 'placement 1.10' };

/** What a node is deployed with: glance images of the ramdisk's kernel and initramfs, and an image naming both. */
export interface BootImages {
  kernel: string;
  ramdisk: string;
  /** What `openstack server create --image` takes: ironic's ramdisk deploy boots its kernel_id and ramdisk_id. */
  image: string;
}

export interface EnrollOptions {
  resourceClass: string;
  flavor: string;
  physicalNetwork: string;
  imageName: string;
  /** The ramdisk's files on this machine (berth images ramdisk). */
  kernelFile: string;
  initramfsFile: string;
  /** Reports each step, for the CLI. */
  onStep?: (step: string) => void;
  /** How long each wait may take. */
  timeoutMs?: number;
  /** Ends every call and wait at once (CancelledError): a Ctrl-C. */
  signal?: AbortSignal;
}

export interface Enrolled {
  uuid: string;
  provisionState: string;
  /** What inspection wrote into the node's properties, where ironic-inspector is deployed. */
  inspected?: { cpus: number; memory_mb: number; local_gb: number };
  /** Each step and how long it took, in ms. */
  steps: { step: string; ms: number }[];
}

export interface IronicNode {
  uuid: string;
  provision_state: string;
  /** The conductor holding the node's lock while it works on it. */
  reservation: string | null;
  instance_uuid: string | null;
  maintenance: boolean;
  last_error: string | null;
  driver_info: Record<string, unknown>;
  properties: Record<string, unknown>;
  inspection_finished_at: string | null;
}

interface GlanceImage {
  id: string;
  status: string;
  os_hash_value?: string;
  kernel_id?: string;
  ramdisk_id?: string;
}

/**
 * An image by name with exactly these bytes and properties: kept when glance has it so (its os_hash_value is the
 * SHA-512 of the data), else uploaded anew and the stale one deleted, so a rebuilt ramdisk reaches the next deploy.
 */
async function uploadImage(
  api: OpenStackApi,
  name: string,
  format: { disk: string; container: string },
  data: Buffer,
  properties: Record<string, string> = {},
): Promise<string> {
  const sha512 = createHash('sha512').update(data).digest('hex');
  const { body: found } = await api.call<{ images: GlanceImage[] }>(
    'image',
    'GET',
    `/v2/images?name=${encodeURIComponent(name)}`,
  );
  const same = (i: GlanceImage) =>
    i.status === 'active' &&
    i.os_hash_value === sha512 &&
    Object.entries(properties).every(([k, v]) => i[k as keyof GlanceImage] === v);
  const current = found.images.find(same);
  if (current) return current.id;
  const { body } = await api.call<{ id: string }>('image', 'POST', '/v2/images', {
    body: { name, disk_format: format.disk, container_format: format.container, visibility: 'public', ...properties },
  });
  await api.call('image', 'PUT', `/v2/images/${body.id}/file`, { raw: data });
  for (const stale of found.images) await api.call('image', 'DELETE', `/v2/images/${stale.id}`, { expect: [204, 404] });
  return body.id;
}

/**
 * The ramdisk as glance images (kernel, ramdisk, and the image a server is made from, which names both) and the
 * flavor that asks for one whole node of the resource class; what exists by name is kept.
 */
export async function ensureBootImages(api: OpenStackApi, opts: EnrollOptions): Promise<BootImages> {
  const kernel = await uploadImage(
    api,
    `${opts.imageName}-kernel`,
    { disk: 'aki', container: 'aki' },
    readFileSync(opts.kernelFile),
  );
  const ramdisk = await uploadImage(
    api,
    `${opts.imageName}-initramfs`,
    { disk: 'ari', container: 'ari' },
    readFileSync(opts.initramfsFile),
  );
  // The ramdisk deploy writes nothing to the node's disk: the image's own bytes are never used.
  const image = await uploadImage(api, opts.imageName, { disk: 'raw', container: 'bare' }, Buffer.alloc(4096), {
    kernel_id: kernel,
    ramdisk_id: ramdisk,
  });
  const flavors = await api.call<{ flavors: { id: string; name: string }[] }>('compute', 'GET', '/flavors');
  if (!flavors.body.flavors.some((f) => f.name === opts.flavor)) {
    const made = await api.call<{ flavor: { id: string } }>('compute', 'POST', '/flavors', {
      // A disk, though the node's resources are the resource class alone: nova lets only admins boot a flavor with
      // no disk from an image (os_compute_api:servers:create:zero_disk_flavor), and Tempest's users are not admins.
      body: { flavor: { name: opts.flavor, ram: 1024, vcpus: 1, disk: 1 } },
    });
    const specs: Record<string, string> = { [`resources:${placementClass(opts.resourceClass)}`]: '1' };
    for (const r of ['VCPU', 'MEMORY_MB', 'DISK_GB']) specs[`resources:${r}`] = '0';
    await api.call('compute', 'POST', `/flavors/${made.body.flavor.id}/os-extra_specs`, {
      body: { extra_specs: specs },
    });
  }
  return { kernel, ramdisk, image };
}

/** Placement's name for an ironic resource class. */
export function placementClass(resourceClass: string): string {
  return `CUSTOM_${resourceClass.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * What ironic is told of a node: the ipmi hardware type at its BMC (cipher suite 3), booted by iPXE, ramdisk deploy.
 * Where it is inspected, its CPUs, memory and disk are left for inspection to find.
 */
export function nodeDocument(
  node: VirtualNode,
  password: string,
  images: BootImages,
  resourceClass: string,
  inspect = false,
) {
  const hardware = inspect ? {} : { cpus: node.cpus, memory_mb: node.memoryMb, local_gb: node.diskGb };
  return {
    ...(inspect ? { inspect_interface: 'inspector' } : {}),
    name: node.name,
    driver: 'ipmi',
    resource_class: resourceClass,
    boot_interface: 'ipxe',
    // ironic 21.4 boots driver_info's deploy ramdisk (inspection's) only for a deploy interface that needs an agent:
    // so direct until inspected, then ramdisk (enrollNode switches it).
    deploy_interface: inspect ? 'direct' : 'ramdisk',
    network_interface: 'flat',
    driver_info: {
      ipmi_address: node.bmc.address,
      ipmi_port: node.bmc.port,
      ipmi_username: node.bmc.username,
      ipmi_password: password,
      ipmi_cipher_suite: 3,
      ipmi_priv_level: 'ADMINISTRATOR',
      deploy_kernel: images.kernel,
      deploy_ramdisk: images.ramdisk,
    },
    properties: {
      ...hardware,
      cpu_arch: 'x86_64',
      capabilities: `boot_mode:${node.uefi ? 'uefi' : 'bios'}`,
    },
  };
}

/**
 * Enrolls a virtual node in ironic and brings it to available: created with its BMC's driver_info, a port from its
 * MAC on the physical network, then manage (ironic checks the BMC) and provide (automated cleaning is off: it needs
 * ironic-python-agent, which Debian does not package). Then waits until nova offers it through placement. A node
 * ironic has by that name already is taken as it is and brought on from its state.
 */
export async function enrollNode(client: OpenStackApi, node: VirtualNode, opts: EnrollOptions): Promise<Enrolled> {
  const api = client.withSignal(opts.signal);
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const steps: Enrolled['steps'] = [];
  let last = Date.now();
  const step = (name: string) => {
    const now = Date.now();
    steps.push({ step: name, ms: now - last });
    last = now;
    opts.onStep?.(name);
  };
  const images = await ensureBootImages(api, opts);
  step('images and flavor');
  const password = readFileSync(node.passwordFile, 'utf8').trim();
  const inspect = api.has('baremetal-introspection');
  const found = await api.call<IronicNode>('baremetal', 'GET', `/v1/nodes/${node.name}`, {
    headers: IRONIC,
    expect: [200, 404],
  });
  let uuid: string;
  if (found.status === 200) uuid = found.body.uuid;
  else {
    const made = await api.call<IronicNode>('baremetal', 'POST', '/v1/nodes', {
      headers: IRONIC,
      body: nodeDocument(node, password, images, opts.resourceClass, inspect),
    });
    uuid = made.body.uuid;
    // The responder in the ramdisk answers with the node's UUID, which exists only now.
    await api.call('baremetal', 'PATCH', `/v1/nodes/${uuid}`, {
      headers: IRONIC,
      body: [
        {
          op: 'add',
          path: '/driver_info/kernel_append_params',
          value: `console=ttyS0 nofb nomodeset vga=normal berth.node=${uuid}`,
        },
      ],
    });
  }
  const ports = await api.call<{ ports: { address: string }[] }>('baremetal', 'GET', `/v1/ports?node_uuid=${uuid}`, {
    headers: IRONIC,
  });
  if (!ports.body.ports.some((p) => p.address === node.mac))
    await api.call('baremetal', 'POST', '/v1/ports', {
      headers: IRONIC,
      body: { node_uuid: uuid, address: node.mac, physical_network: opts.physicalNetwork, pxe_enabled: true },
    });
  step('enrolled');
  const state = async () =>
    (await api.call<IronicNode>('baremetal', 'GET', `/v1/nodes/${uuid}`, { headers: IRONIC })).body;
  const move = async (
    target: 'manage' | 'inspect' | 'provide',
    from: string,
    to: string,
    done: (n: IronicNode) => boolean = () => true,
  ) => {
    if ((await state()).provision_state !== from) return;
    await api.call('baremetal', 'PUT', `/v1/nodes/${uuid}/states/provision`, { headers: IRONIC, body: { target } });
    await until(
      `node ${node.name} to be ${to}`,
      timeoutMs,
      async () => {
        const n = await state();
        if (n.provision_state === to && done(n)) return n;
        if (n.last_error && !/ing$|wait/.test(n.provision_state))
          throw new BerthError(`ironic could not ${target} node ${node.name}: ${n.last_error}`);
        return undefined;
      },
      opts.signal,
    );
  };
  await move('manage', 'enroll', 'manageable');
  step('manageable');
  let inspected: Enrolled['inspected'];
  if (inspect) {
    // ironic powers the node on into the ramdisk, which posts its inventory to ironic-inspector; ironic powers it
    // off again once the inspector says it is done.
    // Inspection starts and ends in manageable: it is over when ironic has stamped its end.
    if (!(await state()).properties.cpus)
      await move('inspect', 'manageable', 'manageable', (n) => Boolean(n.inspection_finished_at));
    const { cpus, memory_mb, local_gb } = (await state()).properties as Record<string, number>;
    await api.call('baremetal', 'PATCH', `/v1/nodes/${uuid}`, {
      headers: IRONIC,
      body: [{ op: 'replace', path: '/deploy_interface', value: 'ramdisk' }],
    });
    inspected = { cpus: Number(cpus), memory_mb: Number(memory_mb), local_gb: Number(local_gb) };
    step('inspected');
  }
  await move('provide', 'manageable', 'available');
  step('available');
  // nova-compute lists new ironic nodes at its resource update (every 10 s here) and the scheduler maps them into
  // the cell (also every 10 s): only then does placement offer the node.
  await until(
    `nova to offer node ${node.name}`,
    timeoutMs,
    async () => {
      const { status, body } = await api.call<{ provider_summaries: Record<string, unknown> }>(
        'placement',
        'GET',
        `/allocation_candidates?resources=${placementClass(opts.resourceClass)}:1`,
        // 400 until nova has made the resource class, at the first node's resource update.
        { headers: PLACEMENT, expect: [200, 400] },
      );
      return status === 200 && uuid in body.provider_summaries ? true : undefined;
    },
    opts.signal,
  );
  step('offered by nova');
  return { uuid, provisionState: (await state()).provision_state, steps, ...(inspected ? { inspected } : {}) };
}
