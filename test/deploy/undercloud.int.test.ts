import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timestampMs } from '../../lib/dev/api-ready.js';
import { loadProfile } from '../../lib/profile/load.js';
import { berth, byService, httpGet, purge, repoRoot, stateDir, uniqueProject } from '../helpers/engine.js';
import { openstackClient, undercloudPorts } from '../helpers/openstack.js';
import { junitCases } from '../helpers/junit.js';
import { startDev } from '../helpers/dev-process.js';

// On a fresh machine this deploy also builds every image it needs (about 4 of the 5 cold minutes).
const COLD_BUILD_TIMEOUT_MS = 15 * 60_000;
const TEMPEST_TIMEOUT_MS = 20 * 60_000;

/** The full undercloud on the real engine, verified as TripleO's undercloud sanity job did, with the real openstack client. */
describe('undercloud on a real engine', () => {
  const project = uniqueProject('uc');
  const state = stateDir();
  // Fake-hardware nodes, so that the install job's server check and Tempest's compute tests have somewhere to boot.
  const fakeNodes = join(repoRoot, 'profiles/undercloud/environments/ci-fake-nodes.yaml');
  // And neutron's DHCP agent, so that the job checks a network scheduled to a live agent.
  const dhcpAgent = join(repoRoot, 'profiles/undercloud/environments/neutron-dhcp-agent.yaml');
  let args: string[] = [];
  const port: Record<string, number> = {};

  /** The catalog's service types, asked with the clouds.yaml berth wrote, as a user on the host would. */
  async function catalogTypes(): Promise<string[]> {
    const types = await openstackClient(state, project, [
      ...['openstack', '--os-cloud', 'undercloud', 'catalog', 'list', '-f', 'value', '-c', 'Type'],
    ]);
    return types.split('\n').filter(Boolean).sort();
  }

  beforeAll(async () => {
    await purge(project);
    const ports = await undercloudPorts();
    Object.assign(port, ports.port);
    args = ['--profile', 'undercloud', '--project', project, '-e', fakeNodes, '-e', dhcpAgent, ...ports.args];
  });
  afterAll(() => purge(project));

  // What the profile says it has, so that a service or check added to it is counted here too.
  const shipped = loadProfile({
    profile: 'undercloud',
    envFiles: [fakeNodes, dhcpAgent],
    env: { BERTH_STATE_DIR: state },
  });
  const checks = shipped.services.length + shipped.verify.length;

  it(
    `the install job: all ${shipped.services.length} services healthy and bootstrapped, haproxy in front, every check in JUnit`,
    async () => {
      // The CI job the seed asked for, kept running (--keep) for the tests below.
      const junit = join(state, 'install.xml');
      const run = await berth(['ci', 'install', ...args, '--keep', '--junit', junit], { state });
      expect(run.exitCode, run.all.slice(-6000)).toBe(0);
      expect(run.all).toContain(`done: ${shipped.services.length} services converged`);
      expect(run.all).toMatch(/nova-db\s+completed/);
      const { suite, cases } = junitCases(junit);
      expect(suite.failures).toBe('0');
      const verified = cases.filter((c) => c.classname === 'install.verify' && !c.skipped).map((c) => c.name);
      expect(verified).toHaveLength(checks);
      for (const check of [
        'haproxy is healthy',
        'token issue',
        'catalog lists image',
        'catalog lists placement',
        'catalog lists compute',
        'image upload becomes active',
        'resource provider list answers',
        'a heat stack reaches CREATE_COMPLETE',
        'network and subnet create',
        'compute services are up (conductor, scheduler, compute)',
        'baremetal conductor is alive',
        'a fake-hardware node enrolls to available',
        'a baremetal server goes ACTIVE and its delete frees the node',
        'the DHCP agent is alive and hosts the provisioning network',
      ])
        expect(verified).toContain(check);
      // OpenStack's own tests (the profile's ci_suites), one case each: each suite has passing tests and none failed.
      const tempest = cases.filter((c) => c.classname.startsWith('install.tempest.'));
      for (const plugin of [
        'tempest.api.identity',
        'keystone_tempest_plugin',
        'heat_tempest_plugin',
        'tempest.api.image',
        'ironic_tempest_plugin',
      ])
        expect(tempest.filter((c) => c.classname.includes(plugin) && !c.skipped).length, plugin).toBeGreaterThan(5);
      expect(tempest.filter((c) => c.failure).map((c) => `${c.classname}.${c.name}`)).toEqual([]);
      const step = (name: string) => cases.find((c) => c.classname === 'install.step' && c.name === name);
      expect(step('tempest')?.failure).toBeUndefined();
      expect(step('tempest cleanup')?.failure, 'tempest cleanup left resources behind').toBeUndefined();
    },
    COLD_BUILD_TIMEOUT_MS + TEMPEST_TIMEOUT_MS,
  );

  it('redeploys as a no-op', async () => {
    const before = await byService(project);
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).not.toMatch(/creating|bootstrapping/);
    expect(await byService(project)).toEqual(before);
  });

  // berth dev on the whole undercloud with nova and ironic trees made by berth source: each conductor forks from a
  // preloading parent (nova) or restarts (ironic), and a save acts on the one service whose processes imported it.
  it('berth dev with nova and ironic trees: a conductor save acts on that conductor alone', async () => {
    const trees = mkdtempSync(join(tmpdir(), 'berth-uc-src-'));
    for (const name of ['nova', 'ironic']) {
      const source = await berth(['source', name, join(trees, name), ...args], { state });
      expect(source.exitCode, source.all).toBe(0);
    }
    const dev = startDev(
      ['--source', `nova=${join(trees, 'nova')}`, '--source', `ironic=${join(trees, 'ironic')}`, ...args],
      state,
    );
    try {
      await dev.waitFor((e): e is never => e.type === 'dev.watching', { timeoutMs: 600_000 });
      const cases = [
        ['nova', 'nova/conductor/manager.py', 'nova-conductor', ['nova-api', 'nova-scheduler', 'nova-compute']],
        ['ironic', 'ironic/conductor/manager.py', 'ironic-conductor', ['ironic-api']],
      ] as const;
      for (const [tree, file, service, spared] of cases) {
        const mark = dev.events.length;
        const before = (await byService(project))[service]!;
        appendFileSync(join(trees, tree, file), `# berth dev edit ${mark}\n`);
        const done = await dev.waitFor(dev.isAction(service, 'done'), { after: mark, timeoutMs: 180_000 });
        expect(done.files).toEqual([join(trees, tree, file)]);
        const acted = dev.events
          .slice(mark)
          .filter((e) => e.type === 'dev.action' && e.phase === 'start')
          .map((e) => (e as { service: string }).service);
        expect(acted).toEqual([service]);
        const unaffected = dev.events.slice(mark).filter((e) => e.type === 'dev.unaffected');
        for (const other of spared) expect(unaffected.map((e) => (e as { service: string }).service)).toContain(other);
        if (service === 'ironic-conductor') {
          // Restarted, and "done" only once ironic's API shows the new process's registration.
          const after = (await byService(project))[service]!;
          expect(after.startedAt).not.toBe(before.startedAt);
          const listed = await openstackClient(state, project, [
            ...['openstack', '--os-cloud', 'undercloud', '--os-baremetal-api-version', '1.49'],
            ...['baremetal', 'conductor', 'list', '--long', '-f', 'json'],
          ]);
          const rows = JSON.parse(listed) as { Alive: boolean; 'Updated At': string | null }[];
          const stamped = rows.map((r) => timestampMs(r['Updated At']));
          expect(rows.some((r) => r.Alive)).toBe(true);
          expect(Math.max(...stamped)).toBeGreaterThanOrEqual(Math.floor(Date.parse(after.startedAt) / 1000) * 1000);
        }
      }
    } finally {
      dev.child.kill('SIGINT');
      await dev.child.catch(() => undefined);
    }
    // Back to the images' own code for the tests below.
    const restored = await berth(['deploy', ...args], { state });
    expect(restored.exitCode, restored.all.slice(-4000)).toBe(0);
  }, 900_000);

  it('dropping heat (no-heat.yaml) removes its catalog entries and haproxy frontend, and nothing else', async () => {
    expect(await catalogTypes()).toContain('orchestration');
    expect((await httpGet(port.heat_public_port!, '/')).status).toBe(300);
    const before = await byService(project);
    const run = await berth(
      ['deploy', ...args, '-e', join(repoRoot, 'profiles/undercloud/environments/no-heat.yaml')],
      { state },
    );
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/heat-api\s+on_remove deregister: done/);
    expect(await catalogTypes()).toEqual(['baremetal', 'compute', 'identity', 'image', 'network', 'placement']);
    await expect(httpGet(port.heat_public_port!, '/')).rejects.toThrow();
    expect((await httpGet(port.keystone_public_port!, '/v3')).status).toBe(200);
    const after = await byService(project);
    expect(Object.keys(after)).not.toContain('heat-api');
    // Only haproxy changes among the services that stay.
    const changed = Object.keys(after).filter((s) => after[s]!.id !== before[s]!.id);
    expect(changed).toEqual(['haproxy']);
  });

  // The minor update of the undercloud, on what is deployed now (heat dropped above).
  const environment = (name: string) => join(repoRoot, 'profiles/undercloud/environments', `${name}.yaml`);
  const noHeat = ['-e', environment('no-heat')];
  const twoConductors = ['-e', environment('two-conductor-workers')];

  /** Public endpoints asked over and over while `work` runs: every answer, so a gap cannot hide. */
  async function answersDuring(work: Promise<unknown>): Promise<{ asked: number; failed: string[] }> {
    let done = false;
    void work.finally(() => (done = true));
    const failed: string[] = [];
    let asked = 0;
    while (!done) {
      for (const [name, path, status] of [
        ['keystone_public_port', '/v3', 200],
        ['glance_public_port', '/', 300],
      ] as const) {
        asked++;
        const res = await httpGet(port[name]!, path).catch((e: Error) => ({ status: e.message }));
        if (res.status !== status) failed.push(`${name}: ${res.status}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return { asked, failed };
  }

  it('a minor update that changes one service (two conductor workers) recreates only that one', async () => {
    const before = await byService(project);
    const run = await berth(['update', ...args, ...noHeat, ...twoConductors], { state });
    expect(run.exitCode, run.all.slice(-4000)).toBe(0);
    expect(run.all).toMatch(/nova-conductor\s+plan: recreate/);
    const after = await byService(project);
    const changed = Object.keys(after).filter((s) => after[s]!.id !== before[s]!.id);
    expect(changed).toEqual(['nova-conductor']);
  });

  it('a broken image for one API rolls that API back while the rest of the undercloud keeps answering', async () => {
    const before = await byService(project);
    const update = berth(
      [
        'update',
        ...args,
        ...noHeat,
        ...twoConductors,
        '-e',
        join(repoRoot, 'test/fixtures/update/undercloud-broken-placement.yaml'),
      ],
      { state },
    );
    const during = await answersDuring(update);
    const run = await update;
    expect(run.exitCode).toBe(1);
    expect(run.all).toMatch(/placement-api\s+rollback done: healthy on its previous image/);
    expect(run.all).toContain('update stopped: placement-api failed');
    expect(during.asked).toBeGreaterThan(0);
    expect(during.failed).toEqual([]);
    const after = await byService(project);
    const changed = Object.keys(after).filter((s) => after[s]!.id !== before[s]!.id);
    expect(changed).toEqual(['placement-api']);
    const verify = await berth(['verify', ...args, ...noHeat, ...twoConductors], { state });
    expect(verify.exitCode, verify.all.slice(-4000)).toBe(0);
  });
});
