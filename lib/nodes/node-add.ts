import { join } from 'node:path';
import { buildRamdisk, type RamdiskBuilder } from '../images/ramdisk.js';
import { OpenStackApi, readCloud } from '../openstack/api.js';
import { stateRoot } from '../state/paths.js';
import { enrollNode, type Enrolled } from './enroll.js';
import { addNode, type VirtualNode } from './nodes.js';

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
  });
  return { node, enrolled };
}
