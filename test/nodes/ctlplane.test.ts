import { describe, expect, it } from 'vitest';
import { ctlplaneFor, dnsmasqArgs, hostCommandHint, tapName } from '../../lib/nodes/ctlplane.js';
import { vethName } from '../../lib/nodes/ctlplane-join.js';
import { ctlplaneLine, planCtlplane } from '../../lib/nodes/ctlplane-plan.js';
import type { ResolvedService } from '../../lib/profile/model.js';

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
    // Router advertisements only: the nodes' DHCP is neutron's.
    expect(args.filter((a) => a.startsWith('--dhcp-range='))).toHaveLength(1);
    expect(args).toContain('--enable-ra');
    expect(args.find((a) => a.endsWith(',ra-only'))).toMatch(/^--dhcp-range=fd[0-9a-f:]+::,ra-only$/);
  });
});

describe('joining the ctlplane', () => {
  it("names each service's veth ends within 15 characters, apart from every other service's", () => {
    for (const end of ['bridge', 'peer'] as const)
      expect(vethName('ironic-conductor-with-a-long-name', end)).toMatch(/^v[cp]-[0-9a-f]{8}$/);
    expect(vethName('ironic-pxe', 'bridge')).not.toBe(vethName('ironic-conductor', 'bridge'));
    expect(vethName('ironic-pxe', 'bridge')).not.toBe(vethName('ironic-pxe', 'peer'));
  });
});

describe('planCtlplane', () => {
  const net = ctlplaneFor('uc', '/s');
  const services = [
    { name: 'keystone' },
    { name: 'ironic-conductor', ctlplane: { address: '192.168.24.2' } },
    { name: 'ironic-pxe', ctlplane: { address: '192.168.24.3' } },
    { name: 'neutron-dhcp-agent', ctlplane: {} },
  ] as ResolvedService[];

  it('makes the ctlplane where a service joins it, and names the members and nodes', () => {
    const plan = planCtlplane({ services }, net, { namespace: false, nodes: [] });
    expect(plan).toMatchObject({ action: 'create', namespace: 'berth-uc' });
    expect(plan.members).toEqual([
      { service: 'ironic-conductor', address: '192.168.24.2' },
      { service: 'ironic-pxe', address: '192.168.24.3' },
      { service: 'neutron-dhcp-agent' },
    ]);
    expect(ctlplaneLine(plan)).toBe(
      'create    ctlplane  (network namespace berth-uc, bridge br-ctlplane 192.168.24.0/24, IPv6 RA; joined by ' +
        'ironic-conductor 192.168.24.2, ironic-pxe 192.168.24.3, neutron-dhcp-agent (link, bridged by its agent))',
    );
    const kept = planCtlplane({ services }, net, { namespace: true, nodes: ['node-1'] });
    expect(ctlplaneLine(kept)).toMatch(/^keep {6}ctlplane .*; nodes node-1\)$/);
  });

  it('says nothing where no service joins it and none exists', () => {
    const plan = planCtlplane({ services: services.slice(0, 1) }, net, { namespace: false, nodes: [] });
    expect(plan.action).toBe('none');
    expect(ctlplaneLine(plan)).toBeUndefined();
    // Nodes made by hand keep it there, and the plan shows it though no service joins.
    expect(planCtlplane({ services: [] }, net, { namespace: true, nodes: ['node-1'] }).action).toBe('keep');
  });
});

describe('hostCommandHint', () => {
  it('names the Debian package of a host tool that is not installed, whether ip netns exec or berth ran it', () => {
    expect(hostCommandHint('ip', 'exec of "dnsmasq" failed: No such file or directory')).toBe(
      'dnsmasq is not installed on this host: apt-get install dnsmasq-base (bash scripts/test-deps.sh installs ' +
        'every tool the ctlplane needs).',
    );
    expect(hostCommandHint('nsenter', 'spawn nsenter ENOENT')).toContain('apt-get install util-linux');
  });

  it('says root is needed for any other failure', () => {
    expect(hostCommandHint('ip', 'mkdir /run/netns failed: Permission denied')).toBe('berth needs root.');
  });
});
