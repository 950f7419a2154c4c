import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { berth, byService, freePort, purge, stateDir, uniqueProject } from '../helpers/engine.js';
import { openstackClient } from '../helpers/openstack.js';

// The first run installs mariadb, rabbitmq, memcached and keystone from Debian on the host, and may build the client image.
const FIRST_RUN_TIMEOUT_MS = 15 * 60_000;

/** The OpenStack core as host processes, then moved into containers: a keystone user made before is there after. */
describe('undercloud-minimal: host runtime, then upgrade to containers', () => {
  const project = uniqueProject('ucmin-up');
  const state = stateDir();
  const host = new HostRuntime({ ...process.env, BERTH_STATE_DIR: state });
  let args: string[] = [];

  const openstack = (...command: string[]) =>
    openstackClient(state, project, ['openstack', '--os-cloud', 'undercloud', ...command]);

  beforeAll(async () => {
    await purge(project);
    args = ['-p', 'undercloud-minimal', '--project', project];
    for (const name of ['keystone_public_port', 'mariadb_port', 'rabbitmq_port', 'memcached_port'])
      args.push('--param', `${name}=${await freePort()}`);
  });
  afterAll(async () => {
    await berth(['down', '--runtime', 'host', '--volumes', ...args], { state });
    await purge(project);
  });

  it(
    'deploys and verifies on the host runtime, with the real openstack client',
    async () => {
      const run = await berth(['deploy', '--runtime', 'host', ...args], { state });
      expect(run.exitCode, run.all.slice(-4000)).toBe(0);
      const verify = await berth(['verify', '--runtime', 'host', ...args], { state });
      expect(verify.exitCode, verify.all).toBe(0);
      expect(verify.stdout).toContain('7 passed, 0 failed');
      expect((await host.list(project)).every((i) => i.running)).toBe(true);
      expect(await byService(project)).toEqual({});
    },
    FIRST_RUN_TIMEOUT_MS,
  );

  it(
    'upgrades to containers; the database and keystone keep what was written before',
    async () => {
      await openstack(
        'user',
        'create',
        'made-before-the-upgrade',
        '--password',
        'not-a-secret',
        '-f',
        'value',
        '-c',
        'name',
      );
      const run = await berth(['upgrade', '--from', 'host', ...args], { state });
      expect(run.exitCode, run.all.slice(-4000)).toBe(0);
      expect(run.all).toContain('moved to containers: mariadb, memcached, rabbitmq, keystone');
      expect(run.all).toContain('7 passed, 0 failed');
      expect(Object.keys(await byService(project)).sort()).toEqual(['keystone', 'mariadb', 'memcached', 'rabbitmq']);
      expect(await host.list(project)).toEqual([]);
      expect((await openstack('user', 'list', '-f', 'value', '-c', 'Name')).split('\n')).toContain(
        'made-before-the-upgrade',
      );
    },
    FIRST_RUN_TIMEOUT_MS,
  );
});
