import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../lib/profile/load.js';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { berth, freePort, httpGet, stateDir, uniqueProject } from '../helpers/engine.js';

// A fresh machine installs every service's Debian packages first (nova, neutron, ironic, heat, ...).
const COLD_INSTALL_TIMEOUT_MS = 20 * 60_000;

/**
 * The whole undercloud as host processes from Debian packages, for people who do not use containers:
 * the same service files, the same verification as the containers, the same clouds.yaml.
 */
describe('undercloud on the host runtime', () => {
  const project = uniqueProject('uchost');
  const state = stateDir();
  const host = new HostRuntime({ ...process.env, BERTH_STATE_DIR: state });
  let args: string[] = [];
  const port: Record<string, number> = {};

  beforeAll(async () => {
    args = ['--runtime', 'host', '--profile', 'undercloud', '--project', project];
    for (const name of [
      ...['keystone', 'glance', 'placement', 'heat', 'neutron', 'ironic', 'nova'].flatMap((a) => [
        `${a}_public_port`,
        `${a}_direct_port`,
      ]),
      'haproxy_monitor_port',
      'mariadb_port',
      'rabbitmq_port',
      'memcached_port',
    ]) {
      port[name] = await freePort();
      args.push('--param', `${name}=${port[name]}`);
    }
  });
  afterAll(() => berth(['down', '--volumes', ...args], { state }));

  const shipped = loadProfile({ profile: 'undercloud', runtime: 'host', env: { BERTH_STATE_DIR: state } });
  const checks = shipped.services.length + shipped.verify.length;

  it(
    `installs, bootstraps and starts all ${shipped.services.length} services as host processes`,
    async () => {
      const run = await berth(['deploy', ...args], { state });
      expect(run.exitCode, run.all.slice(-6000)).toBe(0);
      expect(run.all).toContain('on host processes');
      expect(run.all).toContain(`done: ${shipped.services.length} services converged`);
      expect(run.all).toMatch(/nova-db\s+completed/);
      expect(run.all).toMatch(/glance-api\s+bootstrap register: done/);
      const running = (await host.list(project)).filter((i) => i.running).map((i) => i.service);
      expect(running.sort()).toEqual(
        shipped.services
          .map((s) => s.name)
          .filter((s) => s !== 'nova-db')
          .sort(),
      );
    },
    COLD_INSTALL_TIMEOUT_MS,
  );

  it('passes every check the containers pass, with the real openstack client', async () => {
    const verify = await berth(['verify', ...args], { state });
    expect(verify.exitCode, verify.all.slice(-6000)).toBe(0);
    for (const check of [
      'haproxy is healthy',
      'image upload becomes active',
      'a heat stack reaches CREATE_COMPLETE',
      'network and subnet create',
      'compute services are up (conductor, scheduler, compute)',
      'a fake-hardware node enrolls to available',
    ])
      expect(verify.stdout).toContain(`ok   ${check}`);
    expect(verify.stdout).toContain(`${checks} passed, 0 failed`);
  });

  it('answers on the same public ports as the containers, through haproxy, on loopback', async () => {
    expect((await httpGet(port.keystone_public_port!, '/v3')).status).toBe(200);
    expect((await httpGet(port.glance_public_port!, '/')).status).toBe(300);
    expect((await httpGet(port.haproxy_monitor_port!, '/healthz')).status).toBe(200);
    const clouds = readFileSync(join(state, 'projects', project, 'clouds.yaml'), 'utf8');
    expect(clouds).toContain(`auth_url: http://127.0.0.1:${port.keystone_public_port}/v3`);
  });

  it('keeps its config, passwords included, where only the invoking user can read it', async () => {
    const hostDir = join(state, 'projects', project, 'host');
    expect(statSync(hostDir).mode & 0o077).toBe(0);
    const novaConf = readFileSync(join(hostDir, 'nova-api', 'etc', 'nova', 'nova.conf'), 'utf8');
    const password = readFileSync(join(state, 'projects', project, 'secrets', 'nova_password'), 'utf8').trim();
    expect(novaConf).toContain(`password = ${password}`);
    for (const service of readdirSync(join(hostDir, 'instances'))) {
      const log = readFileSync(join(hostDir, 'instances', service, 'output.log'), 'utf8');
      expect(log, service).not.toContain(password);
    }
  });

  it('redeploys as a no-op: no process restarted, no bootstrap task rerun', async () => {
    const before = (await host.list(project)).map((i) => [i.service, i.startedAt]);
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).not.toMatch(/creating|bootstrapping|starting/);
    expect((await host.list(project)).map((i) => [i.service, i.startedAt])).toEqual(before);
  });
});
