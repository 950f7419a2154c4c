import { describe, expect, it } from 'vitest';
import { ctlplaneFor, dhcpOptsFile, dnsmasqArgs, tapName } from '../../lib/nodes/ctlplane.js';
import { ipxeOption, vethName } from '../../lib/nodes/ctlplane-join.js';

describe('ctlplaneFor', () => {
  it('names the namespace after the project and gives each project its own IPv6 prefix', () => {
    const a = ctlplaneFor('uc', '/state/uc');
    const b = ctlplaneFor('uc2', '/state/uc2');
    expect(a.namespace).toBe('berth-uc');
    expect(a.cidr).toBe('192.168.24.0/24');
    expect(a.ipv6Prefix).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{4}:[0-9a-f]{4}:24::\/64$/);
    expect(b.ipv6Prefix).not.toBe(a.ipv6Prefix);
    expect(a.stateDir).toBe('/state/uc/ctlplane');
  });
});

describe('tapName', () => {
  it('fits the 15-character limit of interface names, whatever the node is called', () => {
    expect(tapName('a-node-with-a-very-long-name')).toMatch(/^tap-[0-9a-f]{8}$/);
    expect(tapName('n1')).not.toBe(tapName('n2'));
  });
});

describe('dnsmasqArgs', () => {
  it('serves DHCP and router advertisements on the bridge only, with no DNS and no config file of its own', () => {
    const args = dnsmasqArgs(ctlplaneFor('uc', '/s'));
    expect(args).toContain('--port=0');
    expect(args).toContain('--conf-file=/dev/null');
    expect(args).toContain('--interface=br-ctlplane');
    expect(args).toContain('--bind-interfaces');
    expect(args).toContain('--dhcp-range=192.168.24.100,192.168.24.199,255.255.255.0,10m');
    expect(args).toContain('--enable-ra');
    expect(args.find((a) => a.endsWith(',ra-only'))).toMatch(/^--dhcp-range=fd[0-9a-f:]+::,ra-only$/);
  });
});

describe('joining the ctlplane', () => {
  it("hands iPXE alone the boot server's script: a user-class tag, and options dnsmasq re-reads", () => {
    const net = ctlplaneFor('uc', '/s');
    const args = dnsmasqArgs(net);
    expect(args).toContain('--dhcp-userclass=set:ipxe,iPXE');
    expect(args).toContain(`--dhcp-optsfile=${dhcpOptsFile(net)}`);
    expect(ipxeOption('http://192.168.24.3:8088/boot.ipxe')).toBe(
      'tag:ipxe,option:bootfile-name,"http://192.168.24.3:8088/boot.ipxe"',
    );
  });

  it("names each service's veth ends within 15 characters, apart from every other service's", () => {
    for (const end of ['bridge', 'peer'] as const)
      expect(vethName('ironic-conductor-with-a-long-name', end)).toMatch(/^v[cp]-[0-9a-f]{8}$/);
    expect(vethName('ironic-pxe', 'bridge')).not.toBe(vethName('ironic-conductor', 'bridge'));
    expect(vethName('ironic-pxe', 'bridge')).not.toBe(vethName('ironic-pxe', 'peer'));
  });
});
