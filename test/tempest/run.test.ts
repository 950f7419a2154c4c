import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockTempestRun } from '../../lib/tempest/run-lock.js';
import { parseLeftovers } from '../../lib/tempest/run.js';

describe('tempest cleanup --dry-run leftovers', () => {
  it('lists each non-empty kind by name and ID, lists and maps alike, nested under a service or not', () => {
    const dryRun = JSON.stringify({
      networks: [{ id: 'n1', name: 'tempest-PortsTestJSON-1' }],
      subnets: [],
      projects: { p1: 'tempest-Project-1' },
      domains: {},
      users: { u1: { id: 'u1', name: 'tempest-user' } },
      compute: { flavors: {} },
    });
    expect(parseLeftovers(`some log line\n${dryRun}`)).toEqual({
      networks: ['tempest-PortsTestJSON-1 (n1)'],
      projects: ['tempest-Project-1 (p1)'],
      users: ['tempest-user (u1)'],
    });
  });

  it('is empty when the dry run found nothing or wrote nothing readable', () => {
    expect(parseLeftovers('{"networks": [], "projects": {}}')).toEqual({});
    expect(parseLeftovers('cat: dry_run.json: No such file or directory')).toEqual({});
  });
});

describe('the Tempest run lock', () => {
  it('refuses a second run while the first holds it, and frees it after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-tempest-lock-'));
    const unlock = lockTempestRun(dir);
    expect(() => lockTempestRun(dir)).toThrow(/already running against this project/);
    unlock();
    lockTempestRun(dir)();
  });

  it('takes over a lock whose process is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-tempest-lock-'));
    // PIDs are below 2^22 on Linux: this one cannot be alive.
    writeFileSync(join(dir, 'tempest.lock'), '99999999\n');
    lockTempestRun(dir)();
  });
});
