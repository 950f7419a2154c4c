import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNodeFiles } from '../../lib/nodes/bmc.js';
import { berth, stateDir } from '../helpers/engine.js';
import { alive } from '../helpers/processes.js';

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const { port } = socket.address();
  await new Promise<void>((r) => socket.close(r));
  return port;
}

/** Waits for a condition the test cannot be told about (a file's content, a BMC answering), up to a deadline. */
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a virtual node behind its BMC (ipmi_sim + chassis-control)', () => {
  const state = stateDir();
  const work = mkdtempSync(join(tmpdir(), 'berth-it-bmc-'));
  const nodeDir = join(work, 'node-1');
  let sim: ResultPromise | undefined;
  afterAll(() => {
    sim?.kill();
    const pidFile = join(nodeDir, 'pid');
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  });

  it('powers the VM on, off and through a reset, and takes the boot-device commands ironic sends', async () => {
    const built = await berth(['images', 'ramdisk', '--out', join(work, 'ramdisk')], { state });
    expect(built.exitCode, built.all).toBe(0);
    const bmc = {
      address: '127.0.0.1',
      port: await freeUdpPort(),
      username: 'admin',
      password: randomBytes(9).toString('hex'),
    };
    writeNodeFiles(
      nodeDir,
      {
        name: 'bmc-test',
        memoryMb: 512,
        cpus: 1,
        kernel: {
          path: join(work, 'ramdisk', 'vmlinuz'),
          initrd: join(work, 'ramdisk', 'initramfs.gz'),
          append: 'console=ttyS0 berth.node=bmc-test',
        },
        nics: [{ mac: '52:54:00:be:27:02', kind: 'isolated' }],
      },
      bmc,
    );
    expect(readFileSync(join(nodeDir, 'lan.conf'), 'utf8')).toContain(bmc.password);
    const passwordFile = join(work, 'bmc-password');
    writeFileSync(passwordFile, bmc.password, { mode: 0o600 });
    sim = execa('ipmi_sim', ['-c', join(nodeDir, 'lan.conf'), '-f', join(nodeDir, 'sim.emu'), '-n', '-s', work], {
      reject: false,
    });
    // ironic's ipmi hardware type calls ipmitool this way (lanplus, cipher suite 3, the password from a file). ipmi_sim
    // answers a power on or reset once chassis-control has started qemu, which a loaded machine makes slow: 5 s an
    // attempt, 3 retries (ironic gives a BMC a minute).
    const connection = `-I lanplus -H ${bmc.address} -p ${bmc.port} -L ADMINISTRATOR -U ${bmc.username} -C 3`;
    const ipmi = (...command: string[]) =>
      execa('ipmitool', [...connection.split(' '), '-R', '3', '-N', '5', '-f', passwordFile, ...command], {
        reject: false,
      });
    const first = await until('ipmi_sim to answer', async () => {
      const r = await ipmi('power', 'status');
      return r.exitCode === 0 ? r.stdout : undefined;
    });
    expect(first).toBe('Chassis Power is off');

    expect((await ipmi('chassis', 'bootdev', 'pxe', 'options=persistent')).stdout).toBe('Set Boot Device to pxe');
    expect(readFileSync(join(nodeDir, 'boot'), 'utf8').trim()).toBe('pxe');
    // The boot-device command ironic sends for UEFI nodes, raw.
    expect((await ipmi('raw', '0x00', '0x08', '0x05', '0xe0', '0x04', '0x00', '0x00', '0x00')).exitCode).toBe(0);

    const on = await ipmi('power', 'on');
    expect(on.stdout, on.stderr).toBe('Chassis Power Control: Up/On');
    const pid = Number(readFileSync(join(nodeDir, 'pid'), 'utf8'));
    expect(alive(pid)).toBe(true);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('-boot\0order=n,reboot-timeout=5000');
    await until('the node to come up', () =>
      readFileSync(join(nodeDir, 'console.log'), 'utf8').includes('berth-ramdisk: up mac=52:54:00:be:27:02')
        ? true
        : undefined,
    );
    expect((await ipmi('power', 'status')).stdout).toBe('Chassis Power is on');

    expect((await ipmi('power', 'reset')).stdout).toBe('Chassis Power Control: Reset');
    const rebooted = Number(readFileSync(join(nodeDir, 'pid'), 'utf8'));
    expect(rebooted).not.toBe(pid);
    expect(alive(pid)).toBe(false);
    expect(readFileSync(join(nodeDir, 'starts'), 'utf8').trim()).toBe('2');
    await until('the node to come up again', () =>
      readFileSync(join(nodeDir, 'console.log'), 'utf8').includes('berth-ramdisk: up') ? true : undefined,
    );

    expect((await ipmi('power', 'off')).stdout).toBe('Chassis Power Control: Down/Off');
    expect(alive(rebooted)).toBe(false);
    expect(existsSync(join(nodeDir, 'pid'))).toBe(false);
    expect((await ipmi('power', 'status')).stdout).toBe('Chassis Power is off');
  }, 600_000);
});
