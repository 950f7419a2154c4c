import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addTap,
  ctlplaneFor,
  dnsmasqArgs,
  dnsmasqPid,
  ensureCtlplane,
  namespaceExists,
  removeCtlplane,
} from '../../lib/nodes/ctlplane.js';
import { qemuArgs } from '../../lib/nodes/qemu.js';
import { berth, stateDir, uniqueProject } from '../helpers/engine.js';
import { alive, processesWith } from '../helpers/processes.js';

const MAC = '52:54:00:be:27:03';

/** Polls until the process is gone; the bound only ends a test that has already failed. */
async function eventuallyGone(pid: number) {
  for (let i = 0; alive(pid); i++) {
    if (i > 100) throw new Error(`process ${pid} still there after SIGTERM`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the ctlplane: a bridge in a namespace of the project', () => {
  const state = stateDir();
  const work = mkdtempSync(join(tmpdir(), 'berth-it-ctlplane-'));
  const net = ctlplaneFor(uniqueProject('ctlplane'), work);
  afterAll(() => removeCtlplane(net));

  it("carries a node's DHCP and HTTP, reaches it from inside, and leaves nothing after removal", async () => {
    const built = await berth(['images', 'ramdisk', '--out', join(work, 'ramdisk')], { state });
    expect(built.exitCode, built.all).toBe(0);
    await ensureCtlplane(net);
    const first = dnsmasqPid(net);
    await ensureCtlplane(net); // a second call keeps what is there
    expect(dnsmasqPid(net)).toBe(first);
    const inNs = (...args: string[]) =>
      execFileSync('ip', ['netns', 'exec', net.namespace, ...args], { encoding: 'utf8' });
    // A dnsmasq an older berth started, with a DHCP range beside the router advertisements, is replaced: it would
    // answer the nodes beside neutron's DHCP agent.
    process.kill(first!, 'SIGTERM');
    await eventuallyGone(first!);
    inNs('dnsmasq', ...dnsmasqArgs(net), '--dhcp-range=192.168.24.100,192.168.24.199,255.255.255.0,10m');
    const older = dnsmasqPid(net);
    expect(older).toBeDefined();
    await ensureCtlplane(net);
    expect(dnsmasqPid(net)).not.toBe(older);
    expect(readFileSync(`/proc/${dnsmasqPid(net)}/cmdline`, 'utf8')).not.toContain('192.168.24.100');
    // No way out: no default route and no link but the bridge and its taps.
    expect(inNs('ip', 'route', 'show', 'default')).toBe('');
    expect(inNs('ip', '-6', 'route', 'show', 'default')).toBe('');
    expect(
      inNs('ip', '-o', 'link', 'show')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(': ')[1]!.split('@')[0]),
    ).toEqual(['lo', net.bridge]);
    // berth's dnsmasq sends router advertisements only: in a deploy neutron's DHCP agent answers the nodes. A dnsmasq
    // of the test's own stands in for it, on the bridge inside the namespace. It starts only once the node has asked
    // and got no answer, as when the node boots before neutron's agent has its host entry: the ramdisk must ask
    // again until it gets a lease.
    const leases = join(work, 'test-dhcp.leases');
    const startStandIn = () =>
      inNs(
        'dnsmasq',
        '--conf-file=/dev/null',
        '--port=0',
        `--interface=${net.bridge}`,
        '--bind-interfaces',
        '--dhcp-range=192.168.24.100,192.168.24.199,255.255.255.0,10m',
        `--dhcp-leasefile=${leases}`,
        `--pid-file=${join(work, 'test-dhcp.pid')}`,
      );

    const tap = await addTap(net, 'node-1');
    const vm = execa(
      'ip',
      [
        'netns',
        'exec',
        net.namespace,
        'qemu-system-x86_64',
        ...qemuArgs({
          name: 'ctlplane-test',
          memoryMb: 512,
          cpus: 1,
          serial: 'stdio',
          kernel: {
            path: join(work, 'ramdisk', 'vmlinuz'),
            initrd: join(work, 'ramdisk', 'initramfs.gz'),
            append: `console=ttyS0 BOOTIF=01-${MAC.replaceAll(':', '-')} berth.node=node-1`,
          },
          nics: [{ mac: MAC, kind: 'tap', ifname: tap }],
        }),
      ],
      { reject: false, stdin: 'ignore' },
    );
    let address = '';
    let unanswered = false;
    for await (const line of createInterface({ input: vm.stdout! })) {
      if (line.includes('berth-ramdisk: dhcp eth0: no lease yet') && !unanswered) {
        unanswered = true;
        startStandIn();
      }
      const dhcp = /berth-ramdisk: dhcp eth0 (\S+)/.exec(line);
      if (dhcp) address = dhcp[1]!;
      if (line.includes('berth-ramdisk: up')) break;
    }
    expect(unanswered).toBe(true);
    expect(address).toMatch(/^192\.168\.24\.1\d\d$/);
    expect(inNs('curl', '-s', '--max-time', '10', `http://${address}/`)).toBe(`node=node-1 mac=${MAC}\n`);
    // The lease is the stand-in's, for the node's MAC.
    expect(inNs('cat', leases)).toContain(`${MAC} ${address}`);

    await removeCtlplane(net);
    expect(namespaceExists(net)).toBe(false);
    await vm;
    expect(processesWith('berth-node-ctlplane-test')).toEqual([]);
    expect(processesWith(net.stateDir)).toEqual([]);
    expect(processesWith(leases)).toEqual([]);
  }, 600_000);
});
