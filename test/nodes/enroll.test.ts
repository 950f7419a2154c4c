import { describe, expect, it } from 'vitest';
import { nodeDocument, placementClass } from '../../lib/nodes/enroll.js';
import { nodeIdentity, type VirtualNode } from '../../lib/nodes/nodes.js';

const id = nodeIdentity(3);
const node: VirtualNode = {
  name: id.name,
  mac: id.mac,
  memoryMb: 1024,
  cpus: 2,
  diskGb: 8,
  uefi: true,
  bmc: { address: id.bmcAddress, port: 623, username: 'admin' },
  passwordFile: '/state/nodes/node-3/bmc-password',
};

describe('nodeDocument', () => {
  it("tells ironic the node's BMC as ipmitool reaches it (cipher suite 3), its hardware, and how it boots", () => {
    const doc = nodeDocument(node, 's3cret', { kernel: 'k-id', ramdisk: 'r-id', image: 'i-id' }, 'baremetal');
    expect(doc).toMatchObject({
      name: 'node-3',
      driver: 'ipmi',
      resource_class: 'baremetal',
      boot_interface: 'ipxe',
      deploy_interface: 'ramdisk',
      network_interface: 'flat',
      driver_info: {
        ipmi_address: '192.168.24.13',
        ipmi_port: 623,
        ipmi_username: 'admin',
        ipmi_password: 's3cret',
        ipmi_cipher_suite: 3,
        deploy_kernel: 'k-id',
        deploy_ramdisk: 'r-id',
      },
      properties: { cpus: 2, memory_mb: 1024, local_gb: 8, cpu_arch: 'x86_64', capabilities: 'boot_mode:uefi' },
    });
    expect(
      nodeDocument({ ...node, uefi: false }, 'x', { kernel: 'k', ramdisk: 'r', image: 'i' }, 'b').properties,
    ).toMatchObject({ capabilities: 'boot_mode:bios' });
  });
});

describe('nodeDocument where the node is inspected', () => {
  it('leaves its CPUs, memory and disk to inspection, and deploys with direct until inspected', () => {
    const doc = nodeDocument(node, 'x', { kernel: 'k', ramdisk: 'r', image: 'i' }, 'baremetal', true);
    expect(doc).toMatchObject({ inspect_interface: 'inspector', deploy_interface: 'direct' });
    expect(doc.properties).toEqual({ cpu_arch: 'x86_64', capabilities: 'boot_mode:uefi' });
  });
});

describe('placementClass', () => {
  it("is nova's custom resource class for an ironic one", () => {
    expect(placementClass('baremetal')).toBe('CUSTOM_BAREMETAL');
    expect(placementClass('vm-small.1')).toBe('CUSTOM_VM_SMALL_1');
  });
});
