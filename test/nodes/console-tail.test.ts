import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleTail } from '../../lib/nodes/provision.js';

describe("a node's console, for a failure's message", () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'berth-console-'));

  it("keeps the ramdisk's own lines, the last ones", () => {
    const d = dir();
    const lines = ['[    0.000000] Linux version 6.1.0', 'berth-ramdisk: interface eth0 mac 52:54:00:24:00:01'];
    for (let i = 0; i < 10; i++) lines.push(`berth-ramdisk: dhcp eth0: no lease yet, asking again (${i})`);
    writeFileSync(join(d, 'console.log'), lines.join('\r\n') + '\r\n');
    const tail = consoleTail(d, 3);
    expect(tail.split('\n')).toHaveLength(3);
    expect(tail).toContain('(9)');
    expect(tail).not.toContain('Linux version');
  });

  it('finds a ramdisk line that a kernel message landed in front of', () => {
    const d = dir();
    writeFileSync(
      join(d, 'console.log'),
      '[    3.54] eth0: link becomes readyberth-ramdisk: up mac=52:54:00:24:00:01\n',
    );
    expect(consoleTail(d)).toBe('berth-ramdisk: up mac=52:54:00:24:00:01');
  });

  it('says the node did not get past its network boot when the console is empty', () => {
    const d = dir();
    writeFileSync(join(d, 'console.log'), '');
    expect(consoleTail(d)).toMatch(/did not get past its network boot/);
  });

  it("shows the kernel's last lines when the ramdisk said nothing", () => {
    const d = dir();
    writeFileSync(join(d, 'console.log'), '[    0.1] one\n[    0.2] two\n');
    expect(consoleTail(d)).toMatch(/ramdisk said nothing yet:\n\[ {4}0\.1\] one\n\[ {4}0\.2\] two$/);
  });

  it('says so when the VM never started', () => {
    expect(consoleTail(dir())).toMatch(/never started/);
  });
});
