import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { addTap, ctlplaneFor, ensureCtlplane, namespaceExists, removeCtlplane } from '../../lib/nodes/ctlplane.js';
import { qemuArgs } from '../../lib/nodes/qemu.js';
import { berth, stateDir, uniqueProject } from '../helpers/engine.js';
import { processesWith } from '../helpers/processes.js';

const MAC = '52:54:00:be:27:03';

describe('the ctlplane: a bridge in a namespace of the project', () => {
  const state = stateDir();
  const work = mkdtempSync(join(tmpdir(), 'berth-it-ctlplane-'));
  const net = ctlplaneFor(uniqueProject('ctlplane'), work);
  afterAll(() => removeCtlplane(net));

  it('gives a node booted on it an address by DHCP, reaches it from inside, and leaves nothing after removal', async () => {
    const built = await berth(['images', 'ramdisk', '--out', join(work, 'ramdisk')], { state });
    expect(built.exitCode, built.all).toBe(0);
    await ensureCtlplane(net);
    await ensureCtlplane(net); // a second call keeps what is there
    const inNs = (...args: string[]) =>
      execFileSync('ip', ['netns', 'exec', net.namespace, ...args], { encoding: 'utf8' });
    // No way out: no default route and no link but the bridge and its taps.
    expect(inNs('ip', 'route', 'show', 'default')).toBe('');
    expect(inNs('ip', '-6', 'route', 'show', 'default')).toBe('');
    expect(
      inNs('ip', '-o', 'link', 'show')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(': ')[1]!.split('@')[0]),
    ).toEqual(['lo', net.bridge]);

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
    for await (const line of createInterface({ input: vm.stdout! })) {
      const dhcp = /berth-ramdisk: dhcp eth0 (\S+)/.exec(line);
      if (dhcp) address = dhcp[1]!;
      if (line.includes('berth-ramdisk: up')) break;
    }
    expect(address).toMatch(/^192\.168\.24\.1\d\d$/);
    expect(inNs('curl', '-s', '--max-time', '10', `http://${address}/`)).toBe(`node=node-1 mac=${MAC}\n`);
    // The lease is dnsmasq's, for the node's MAC.
    expect(inNs('cat', join(net.stateDir, 'dnsmasq.leases'))).toContain(`${MAC} ${address}`);

    await removeCtlplane(net);
    expect(namespaceExists(net)).toBe(false);
    await vm;
    expect(processesWith('berth-node-ctlplane-test')).toEqual([]);
    expect(processesWith(net.stateDir)).toEqual([]);
  }, 600_000);
});
