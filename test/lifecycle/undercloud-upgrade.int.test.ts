import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../lib/profile/load.js';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { berth, byService, httpGet, purge, repoRoot, stateDir, uniqueProject } from '../helpers/engine.js';
import { openstackClient, undercloudPorts } from '../helpers/openstack.js';

// A fresh machine installs every service's Debian packages (nova, neutron, ironic, heat, ...) and builds
// every image before the upgrade can start.
const COLD_TIMEOUT_MS = 25 * 60_000;

/**
 * The cut-over TripleO asked for, on the whole undercloud: deployed from Debian packages as host processes
 * (the same service files, verified the same way), real data written through every API, then the major
 * upgrade to containers, and every item read back through the public endpoints.
 */
describe('undercloud: host runtime, then the upgrade to containers with its data', () => {
  const project = uniqueProject('uc-up');
  const state = stateDir();
  const host = new HostRuntime({ ...process.env, BERTH_STATE_DIR: state });
  const port: Record<string, number> = {};
  let args: string[] = [];
  const before: Record<string, string> = {};

  const shipped = loadProfile({ profile: 'undercloud', runtime: 'host', env: { BERTH_STATE_DIR: state } });
  const names = shipped.services.map((s) => s.name).sort();
  const checks = shipped.services.length + shipped.verify.length;

  /** A shell script of openstack commands, run as a user on the host would, with the clouds.yaml berth wrote. */
  const openstack = (script: string) =>
    openstackClient(
      state,
      project,
      ['sh', '-ec', `o="openstack --os-cloud undercloud"; b="$o --os-baremetal-api-version latest"; ${script}`],
      { [join(repoRoot, 'profiles/undercloud/config/verify-stack.yaml')]: '/etc/berth/stack.yaml' },
    );

  beforeAll(async () => {
    await purge(project);
    const ports = await undercloudPorts();
    Object.assign(port, ports.port);
    args = ['--profile', 'undercloud', '--project', project, ...ports.args];
  });
  afterAll(async () => {
    await berth(['down', '--runtime', 'host', '--volumes', ...args], { state });
    await berth(['down', '--volumes', ...args], { state });
    await purge(project);
  });

  it(
    `installs all ${shipped.services.length} services from Debian packages and runs them as host processes`,
    async () => {
      const run = await berth(['deploy', '--runtime', 'host', ...args], { state });
      expect(run.exitCode, run.all.slice(-6000)).toBe(0);
      expect(run.all).toContain('on host processes');
      expect(run.all).toContain(`done: ${shipped.services.length} services converged`);
      expect(run.all).toMatch(/nova-db\s+completed/);
      const instances = await host.list(project);
      expect(instances.map((i) => i.service).sort()).toEqual(names);
      expect(instances.filter((i) => !i.running).map((i) => i.service)).toEqual(['nova-db']);
      expect(await byService(project)).toEqual({});
    },
    COLD_TIMEOUT_MS,
  );

  it('passes every check the containers pass, with the real openstack client', async () => {
    const verify = await berth(['verify', '--runtime', 'host', ...args], { state });
    expect(verify.exitCode, verify.all.slice(-6000)).toBe(0);
    for (const check of [
      'image upload becomes active',
      'a heat stack reaches CREATE_COMPLETE',
      'network and subnet create',
      'compute services are up (conductor, scheduler, compute)',
      'a fake-hardware node enrolls to available',
    ])
      expect(verify.stdout).toContain(`ok   ${check}`);
    expect(verify.stdout).toContain(`${checks} passed, 0 failed`);
  });

  it('answers on its public ports through haproxy, keeps its config private, and redeploys as a no-op', async () => {
    expect((await httpGet(port.keystone_public_port!, '/v3')).status).toBe(200);
    expect((await httpGet(port.glance_public_port!, '/')).status).toBe(300);
    const hostDir = join(state, 'projects', project, 'host');
    expect(statSync(hostDir).mode & 0o077).toBe(0);
    const password = readFileSync(join(state, 'projects', project, 'secrets', 'nova_password'), 'utf8').trim();
    expect(readFileSync(join(hostDir, 'nova-api', 'etc', 'nova', 'nova.conf'), 'utf8')).toContain(password);
    for (const service of readdirSync(join(hostDir, 'instances')))
      expect(readFileSync(join(hostDir, 'instances', service, 'output.log'), 'utf8'), service).not.toContain(password);

    const started = (await host.list(project)).map((i) => [i.service, i.startedAt]);
    const noop = await berth(['deploy', '--runtime', 'host', ...args], { state });
    expect(noop.exitCode, noop.all).toBe(0);
    expect(noop.all).not.toMatch(/creating|bootstrapping|starting/);
    expect((await host.list(project)).map((i) => [i.service, i.startedAt])).toEqual(started);
  });

  it('takes real data through every API before the upgrade', async () => {
    const lines = (
      await openstack(`
        $o project create data-project -f value -c id
        $o user create data-user --project data-project --password not-a-secret -f value -c id
        head -c 300000 /dev/urandom > /tmp/image
        $o image create --disk-format raw --container-format bare --file /tmp/image data-image -f value -c id
        md5sum < /tmp/image | cut -d" " -f1
        $o flavor create --ram 512 --disk 1 --vcpus 1 data-flavor -f value -c id
        $o network create data-network -f value -c id
        $o subnet create --network data-network --subnet-range 198.51.100.0/24 data-subnet -f value -c id
        node=$($b baremetal node create --driver fake-hardware --resource-class baremetal --name data-node \
          --property cpus=4 --property memory_mb=2048 -f value -c uuid)
        $b baremetal node manage --wait 60 $node >/dev/null
        $b baremetal node provide --wait 60 $node >/dev/null
        echo $node
        $o stack create --wait -t /etc/berth/stack.yaml data-stack -f value -c id 2>/dev/null | tail -1
      `)
    ).split('\n');
    const keys = ['project', 'user', 'image', 'md5', 'flavor', 'network', 'subnet', 'node', 'stack'];
    expect(lines).toHaveLength(keys.length);
    keys.forEach((k, i) => (before[k] = lines[i]!));
    for (const k of keys) expect(before[k], k).toMatch(/^[0-9a-f-]{32,36}$/);
  });

  it(
    'upgrades all of it to containers in dependency order, haproxy last, each health-gated, timing its downtime',
    async () => {
      const run = await berth(['upgrade', '--from', 'host', ...args], { state });
      expect(run.exitCode, run.all.slice(-6000)).toBe(0);
      // The plan comes first, before anything moves.
      expect(run.all.indexOf('plan: move mariadb')).toBeGreaterThanOrEqual(0);
      expect(run.all.indexOf('plan: move mariadb')).toBeLessThan(run.all.indexOf('now in a container'));
      const moved = /moved to containers: (.*);/.exec(run.all)![1]!.split(', ');
      expect([...moved].sort()).toEqual(names);
      expect(moved.at(-1)).toBe('haproxy');
      expect(moved.indexOf('keystone')).toBeGreaterThan(moved.indexOf('mariadb'));
      expect(moved.indexOf('nova-compute')).toBeGreaterThan(moved.indexOf('nova-conductor'));
      const downtimes = /downtime \(host process stopped to container healthy\): (.*)/.exec(run.all)![1]!;
      for (const name of names) expect(downtimes).toMatch(new RegExp(`${name} \\d+\\.\\d s`));
      expect(run.all).toContain(`${checks} passed, 0 failed`);
      expect(await host.list(project)).toEqual([]);
      expect(Object.keys(await byService(project)).sort()).toEqual(names);
    },
    COLD_TIMEOUT_MS,
  );

  it('reads every item back through the public endpoints, the same as before', async () => {
    const after = (
      await openstack(`
        $o project show data-project -f value -c id
        $o user show data-user -f value -c id
        $o image show data-image -f value -c id
        $o image save data-image --file /tmp/image && md5sum < /tmp/image | cut -d" " -f1
        $o flavor show data-flavor -f value -c id
        $o network show data-network -f value -c id
        $o subnet show data-subnet -f value -c id
        $b baremetal node show data-node -f value -c uuid
        $o stack show data-stack -f value -c id
        $o image show data-image -f value -c status
        $o flavor show data-flavor -f value -c ram
        $o subnet show data-subnet -f value -c cidr
        $b baremetal node show data-node -f value -c provision_state
        $b baremetal node show data-node -f json -c properties
        $o stack show data-stack -f value -c stack_status
      `)
    ).split('\n');
    // Ids, and the image's bytes (downloaded, not its recorded checksum): the same items, not look-alikes.
    expect(after.slice(0, 9)).toEqual(Object.values(before));
    expect(after.slice(9, 13)).toEqual(['active', '512', '198.51.100.0/24', 'available']);
    const { properties } = JSON.parse(after.slice(13, -1).join('\n'));
    expect([String(properties.cpus), String(properties.memory_mb)]).toEqual(['4', '2048']);
    expect(after.at(-1)).toBe('CREATE_COMPLETE');
  });
});
