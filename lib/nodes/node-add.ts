import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { holdWhileCleaning } from '../cleanup-holds.js';
import { CancelledError } from '../errors.js';
import { buildRamdisk, type RamdiskBuilder } from '../images/ramdisk.js';
import { OpenStackApi, readCloud } from '../openstack/api.js';
import { stateRoot } from '../state/paths.js';
import { enrollNode, type Enrolled } from './enroll.js';
import { addNode, removeNode, type VirtualNode } from './nodes.js';
import { forgetIronicNode } from './unenroll.js';

export interface NodeAddOptions {
  memoryMb: number;
  cpus: number;
  diskGb: number;
  uefi: boolean;
  resourceClass: string;
  flavor: string;
  image: string;
  physicalNetwork: string;
  signal?: AbortSignal;
  onStep?: (step: string) => void;
}

/** Where `berth images ramdisk` puts the ramdisk by default, and where enrolling looks for it. */
export function defaultRamdiskDir(): string {
  return join(stateRoot(), 'images', 'ramdisk');
}

/**
 * `berth node add` where the project's ironic can reach the node: the VM and its BMC, the ramdisk (built when
 * missing), then the node enrolled through to available and offered by nova.
 */
export async function addEnrolledNode(
  project: string,
  projectStateDir: string,
  builder: RamdiskBuilder,
  opts: NodeAddOptions,
  made?: VirtualNode,
): Promise<{ node: VirtualNode; enrolled: Enrolled }> {
  const node = made ?? (await addNode(project, projectStateDir, opts));
  try {
    const ramdiskDir = defaultRamdiskDir();
    // Built when its context changed (else only copied out again), so a node never boots an older ramdisk.
    await buildRamdisk(builder, ramdiskDir, { signal: opts.signal });
    opts.onStep?.(`ramdisk in ${ramdiskDir}`);
    const api = await OpenStackApi.connect(readCloud(join(projectStateDir, 'clouds.yaml')));
    const enrolled = await enrollNode(api, node, {
      resourceClass: opts.resourceClass,
      flavor: opts.flavor,
      physicalNetwork: opts.physicalNetwork,
      imageName: opts.image,
      kernelFile: join(ramdiskDir, 'vmlinuz'),
      initramfsFile: join(ramdiskDir, 'initramfs.gz'),
      onStep: opts.onStep,
      signal: opts.signal,
    });
    return { node, enrolled };
  } catch (cause) {
    if (!opts.signal?.aborted) throw cause;
    // A Ctrl-C: the node this command made goes again, ironic's record of it first (it names the node's BMC).
    await holdWhileCleaning(`removing ${node.name}, which the cancelled node add made`, 150_000, () =>
      removeEnrolledNode(project, projectStateDir, node.name),
    );
    throw new CancelledError(
      `cancelled: ${node.name} was removed (its VM, its BMC and ironic's record of it)`,
      'Run "berth node add" again for a node.',
    );
  }
}

/** What `berth node remove` did about ironic's record of the node. */
export interface NodeRemoval {
  /** The ironic node deleted, if there was one. */
  ironicNode?: string;
  /** Why ironic was not asked though the project has a cloud: its record, if it has one, stays. */
  ironicUnreachable?: string;
}

/**
 * `berth node remove`: ironic's record of the node (when the project's ironic answers) and then the VM, its BMC and
 * its disk. A project whose keystone does not answer (its undercloud down, its clouds.yaml kept) loses the node all
 * the same, and the caller is told that ironic was not asked.
 */
export async function removeEnrolledNode(project: string, projectStateDir: string, name: string): Promise<NodeRemoval> {
  const clouds = join(projectStateDir, 'clouds.yaml');
  const removal: NodeRemoval = {};
  if (existsSync(clouds)) {
    const api = await OpenStackApi.connect(readCloud(clouds)).catch((e: Error) => {
      removal.ironicUnreachable = e.message;
      return undefined;
    });
    if (api?.has('baremetal')) removal.ironicNode = await forgetIronicNode(api, name);
  }
  await removeNode(project, projectStateDir, name);
  return removal;
}
