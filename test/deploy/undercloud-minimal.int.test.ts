import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, byService, freePort, purge, stateDir, uniqueProject } from '../helpers/engine.js';

// On a fresh machine this deploy also builds every image it needs (about 4 of the 5 cold minutes).
const COLD_BUILD_TIMEOUT_MS = 15 * 60_000;

/** The OpenStack core on the real engine, checked with the real openstack client. */
describe('undercloud-minimal on a real engine', () => {
  const project = uniqueProject('ucmin');
  const state = stateDir();
  let args: string[] = [];

  beforeAll(async () => {
    await purge(project);
    args = ['--profile', 'undercloud-minimal', '--project', project];
    for (const name of ['keystone_public_port', 'mariadb_port', 'rabbitmq_port', 'memcached_port'])
      args.push('--param', `${name}=${await freePort()}`);
  });
  afterAll(() => purge(project));

  it(
    'deploys and bootstraps keystone, and the openstack client gets a real token',
    async () => {
      const run = await berth(['deploy', ...args], { state });
      expect(run.exitCode, run.all).toBe(0);
      for (const task of ['db-create', 'db-sync', 'fernet-setup', 'credential-setup', 'bootstrap'])
        expect(run.all).toContain(`keystone     bootstrap ${task}: done`);

      const verify = await berth(['verify', ...args], { state });
      expect(verify.exitCode, verify.all).toBe(0);
      expect(verify.stdout).toMatch(/^ok {3}token issue/m);
      expect(verify.stdout).toContain('7 passed, 0 failed');

      const clouds = join(state, 'projects', project, 'clouds.yaml');
      expect(statSync(clouds).mode & 0o777).toBe(0o600);
      const password = readFileSync(join(state, 'projects', project, 'secrets', 'admin_password'), 'utf8').trim();
      expect(readFileSync(clouds, 'utf8')).toContain(`password: ${password}`);
      expect(run.all + verify.all).not.toContain(password);
    },
    COLD_BUILD_TIMEOUT_MS,
  );

  it('redeploys as a no-op: no container touched, no bootstrap task rerun', async () => {
    const before = await byService(project);
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).not.toMatch(/creating|bootstrapping/);
    expect(await byService(project)).toEqual(before);
  });

  it('tears down and keeps the database volume unless asked', async () => {
    const down = await berth(['down', ...args], { state });
    expect(down.exitCode, down.all).toBe(0);
    expect(down.stdout).toContain(`${project}_mariadb-data`);
    expect(await byService(project)).toEqual({});
  });

  it('after down --volumes, a deploy bootstraps the new empty data again and verifies', async () => {
    expect((await berth(['down', '--volumes', ...args], { state })).exitCode).toBe(0);
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    for (const task of ['db-create', 'db-sync', 'fernet-setup', 'bootstrap'])
      expect(run.all).toContain(`keystone     bootstrap ${task}: done`);
    const verify = await berth(['verify', ...args], { state });
    expect(verify.exitCode, verify.all).toBe(0);
  });
});
