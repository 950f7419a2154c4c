import { existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { qemuArgs } from '../../lib/nodes/qemu.js';
import { berth, repoRoot, stateDir } from '../helpers/engine.js';

const MAC = '52:54:00:be:27:01';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('berth images ramdisk', () => {
  const state = stateDir();
  const work = mkdtempSync(join(tmpdir(), 'berth-it-ramdisk-'));
  const vms: { kill(): boolean }[] = [];
  afterAll(() => vms.forEach((vm) => vm.kill()));

  it('builds a kernel and initramfs that boot under TCG, post an inventory and answer over HTTP', async () => {
    const run = await berth(['images', 'ramdisk', '--out', join(work, 'ramdisk')], { state });
    expect(run.exitCode, run.all).toBe(0);
    const kernel = join(work, 'ramdisk', 'vmlinuz');
    const initrd = join(work, 'ramdisk', 'initramfs.gz');
    expect(statSync(kernel).size).toBeGreaterThan(1 << 20);
    expect(run.stdout).toMatch(/^kernel 6\.1\.\d+-\d+-cloud-amd64: /m);

    const disk = join(work, 'disk.img');
    writeFileSync(disk, '');
    truncateSync(disk, 64 << 20);
    const posted = join(work, 'posted.jsonl');
    const responderPort = await freePort();
    const stub = join(repoRoot, 'test', 'fixtures', 'ramdisk', 'inspector-stub.mjs');
    const vm = execa(
      'qemu-system-x86_64',
      qemuArgs({
        name: 'ramdisk-test',
        memoryMb: 512,
        cpus: 2,
        serial: 'stdio',
        disk,
        kernel: {
          path: kernel,
          initrd,
          append: `console=ttyS0 BOOTIF=01-${MAC.replaceAll(':', '-')} berth.node=node-1 berth.inspect=http://10.0.2.100:8050/v1/continue`,
        },
        nics: [
          {
            mac: MAC,
            kind: 'isolated',
            hostForwards: [{ hostPort: responderPort, guestPort: 80 }],
            guestForwards: [{ guestAddress: '10.0.2.100', guestPort: 8050, command: `node ${stub} ${posted}` }],
          },
        ],
      }),
      { reject: false, stdin: 'ignore' },
    );
    vms.push(vm);
    // The console says how far init got; the test waits for its last line, or for qemu to end.
    const lines: string[] = [];
    for await (const line of createInterface({ input: vm.stdout! })) {
      if (!line.includes('berth-ramdisk:')) continue;
      lines.push(line.slice(line.indexOf('berth-ramdisk:')));
      if (line.includes('berth-ramdisk: up')) break;
    }
    expect(lines).toEqual([
      'berth-ramdisk: modules loaded: 12 of 12',
      `berth-ramdisk: interface eth0 mac ${MAC}`,
      'berth-ramdisk: dhcp eth0 10.0.2.15',
      'berth-ramdisk: inspection posted to http://10.0.2.100:8050/v1/continue',
      `berth-ramdisk: up mac=${MAC} ip=10.0.2.15 node=node-1`,
    ]);

    expect(existsSync(posted)).toBe(true);
    const [request] = readFileSync(posted, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(request!.requestLine).toBe('POST /v1/continue HTTP/1.0');
    const body = JSON.parse(request!.body!) as {
      inventory: {
        interfaces: { name: string; mac_address: string; ipv4_address: string }[];
        cpu: { count: number };
        memory: { physical_mb: number };
        disks: { name: string; size: number }[];
      };
      root_disk: { name: string; size: number };
      boot_interface: string;
    };
    expect(body.inventory.interfaces).toEqual([
      expect.objectContaining({ name: 'eth0', mac_address: MAC, ipv4_address: '10.0.2.15' }),
    ]);
    expect(body.inventory.cpu.count).toBe(2);
    expect(body.inventory.memory.physical_mb).toBe(512);
    expect(body.inventory.disks).toEqual([expect.objectContaining({ name: '/dev/vda', size: 64 << 20 })]);
    expect(body.root_disk).toEqual(body.inventory.disks[0]);
    expect(body.boot_interface).toBe(MAC);

    const answer = await fetch(`http://127.0.0.1:${responderPort}/`);
    expect(await answer.text()).toBe(`node=node-1 mac=${MAC}\n`);
  }, 600_000);
});
