import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../lib/profile/load.js';
import {
  berth,
  byService,
  fixtureProfile,
  freePort,
  purge,
  repoRoot,
  stateDir,
  uniqueProject,
  volumes,
} from '../helpers/engine.js';
import { junitCases } from '../helpers/junit.js';
import { undercloudPorts } from '../helpers/openstack.js';

const projects: string[] = [];
afterAll(async () => {
  for (const p of projects) await purge(p);
});

/** The project's own CI jobs, as `berth ci` runs them headless, on the real engine. */
describe('berth ci', () => {
  const state = stateDir();
  const demoPorts = async () => [
    '--param',
    `demo_api_port=${await freePort()}`,
    '--param',
    `demo_proxy_port=${await freePort()}`,
    '--param',
    `demo_cache_port=${await freePort()}`,
  ];

  it('install on the demo profile: deploy, every check, teardown, all passing in JUnit', async () => {
    const project = uniqueProject('ci-install');
    projects.push(project);
    const junit = join(state, 'install.xml');
    const run = await berth(
      ['ci', 'install', '-p', 'demo', '--project', project, ...(await demoPorts()), '--junit', junit],
      { state },
    );
    expect(run.exitCode, run.all).toBe(0);
    const { suite, cases } = junitCases(junit);
    expect(suite.failures).toBe('0');
    expect(cases.map((c) => c.name)).toEqual([
      'preflight: the project starts from nothing',
      'deploy demo',
      'demo-cache is healthy',
      'demo-api is healthy',
      'demo-proxy is healthy',
      'api answers through the proxy with the seeded greeting',
      'visits are counted in redis',
      'teardown',
    ]);
    expect(await byService(project)).toEqual({});
    expect(await volumes(project)).toEqual([]);
  });

  it('update on the demo profile: deploy, update applying an environment file, verify the updated stack', async () => {
    const project = uniqueProject('ci-update');
    projects.push(project);
    const junit = join(state, 'update.xml');
    const to = join(repoRoot, 'test', 'fixtures', 'update', 'new-greeting.yaml');
    const run = await berth(
      ['ci', 'update', '-p', 'demo', '--project', project, ...(await demoPorts()), '--to', to, '--junit', junit],
      { state },
    );
    expect(run.exitCode, run.all).toBe(0);
    const { cases } = junitCases(junit);
    expect(cases.filter((c) => c.classname === 'update.step').map((c) => c.name)).toEqual([
      'preflight: the project starts from nothing',
      'deploy demo',
      'update',
      'teardown',
    ]);
    expect(run.all).toMatch(/demo-api\s+plan: recreate/);
    expect(
      cases.find((c) => c.name === 'api answers through the proxy with the seeded greeting')!.failure,
    ).toBeUndefined();
  });

  it('upgrade on the demo profile: deploy on the host, upgrade to containers, verify, teardown of both', async () => {
    const project = uniqueProject('ci-upgrade');
    projects.push(project);
    const junit = join(state, 'upgrade.xml');
    const run = await berth(
      ['ci', 'upgrade', '-p', 'demo', '--project', project, ...(await demoPorts()), '--junit', junit],
      { state },
    );
    expect(run.exitCode, run.all).toBe(0);
    const { suite, cases } = junitCases(junit);
    expect(suite.failures).toBe('0');
    expect(cases.filter((c) => c.classname === 'upgrade.step').map((c) => c.name)).toEqual([
      'preflight: the project starts from nothing',
      'deploy demo on the host runtime',
      'upgrade from host to containers',
      'teardown',
    ]);
    expect(await byService(project)).toEqual({});
    expect(existsSync(join(state, 'projects', project, 'host'))).toBe(false);
  });

  it(
    'upgrade on the whole undercloud, the job the cut-over waits on: host deploy, upgrade, every check, teardown',
    async () => {
      const project = uniqueProject('ci-uc-upgrade');
      projects.push(project);
      const junit = join(state, 'uc-upgrade.xml');
      const ports = (await undercloudPorts()).args;
      const run = await berth(['ci', 'upgrade', '-p', 'undercloud', '--project', project, ...ports, '--junit', junit], {
        state,
      });
      expect(run.exitCode, run.all.slice(-4000)).toBe(0);
      const { suite, cases } = junitCases(junit);
      expect(suite.failures).toBe('0');
      expect(cases.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'deploy undercloud on the host runtime',
          'upgrade from host to containers',
          'a fake-hardware node enrolls to available',
          'teardown',
        ]),
      );
      const shipped = loadProfile({ profile: 'undercloud', env: { BERTH_STATE_DIR: state } });
      expect(cases.filter((c) => c.classname === 'upgrade.verify')).toHaveLength(
        shipped.services.length + shipped.verify.length,
      );
      expect(await byService(project)).toEqual({});
      expect(existsSync(join(state, 'projects', project, 'host'))).toBe(false);
    },
    30 * 60_000,
  );

  it('a failing check fails the job, and JUnit names it with its output', async () => {
    const project = uniqueProject('ci-fail');
    projects.push(project);
    const junit = join(state, 'fail.xml');
    const run = await berth(
      ['ci', 'install', '-p', fixtureProfile('verify-fails'), '--project', project, '--junit', junit],
      { state },
    );
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain('FAILED install.verify the ledger balances');
    const { suite, cases } = junitCases(junit);
    expect(suite.failures).toBe('1');
    const failing = cases.filter((c) => c.failure);
    expect(failing.map((c) => c.name)).toEqual(['the ledger balances']);
    expect(failing[0]!.failure!['#text']).toContain('ledger is off by 3');
    expect(cases.find((c) => c.name === 'teardown')!.failure).toBeUndefined();
    expect(await byService(project)).toEqual({});
  });

  it('refuses a project that already exists, and leaves it alone', async () => {
    const project = uniqueProject('ci-taken');
    projects.push(project);
    expect(
      (await berth(['deploy', '-p', fixtureProfile('verify-fails'), '--project', project], { state })).exitCode,
    ).toBe(0);
    const before = await byService(project);
    const junit = join(state, 'taken.xml');
    const run = await berth(
      ['ci', 'install', '-p', fixtureProfile('verify-fails'), '--project', project, '--junit', junit],
      { state },
    );
    expect(run.exitCode).toBe(1);
    const { cases } = junitCases(junit);
    expect(cases[0]!.failure!.message).toContain(`project ${project} already has 1 containers`);
    expect(cases.find((c) => c.name === 'teardown')!.skipped!.message).toContain('not the job');
    expect(await byService(project)).toEqual(before);
  });
});
