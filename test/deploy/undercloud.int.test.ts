import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, byService, freePort, purge, stateDir, uniqueProject } from '../helpers/engine.js';

// On a fresh machine this deploy also builds every image it needs (about 4 of the 5 cold minutes).
const COLD_BUILD_TIMEOUT_MS = 15 * 60_000;

/** The full undercloud on the real engine, verified as TripleO's undercloud sanity job did, with the real openstack client. */
describe('undercloud on a real engine', () => {
  const project = uniqueProject('uc');
  const state = stateDir();
  let args: string[] = [];
  const ports = ['keystone', 'glance', 'placement', 'heat', 'neutron', 'ironic', 'nova'];

  beforeAll(async () => {
    await purge(project);
    args = ['--profile', 'undercloud', '--project', project];
    for (const p of ports) args.push('--param', `${p}_public_port=${await freePort()}`);
  });
  afterAll(() => purge(project));

  it('deploys all 16 services healthy and bootstrapped', async () => {
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all.slice(-6000)).toBe(0);
    expect(run.all).toMatch(/done: 16 services converged/);
    expect(run.all).toMatch(/nova-db\s+completed/);
  }, COLD_BUILD_TIMEOUT_MS);

  it('passes every verification check with the real openstack client', async () => {
    const verify = await berth(['verify', ...args], { state });
    expect(verify.exitCode, verify.all.slice(-6000)).toBe(0);
    for (const check of [
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
    ]) {
      expect(verify.stdout).toContain(`ok   ${check}`);
    }
    expect(verify.stdout).toContain('32 passed, 0 failed');
  });

  it('redeploys as a no-op', async () => {
    const before = await byService(project);
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).not.toMatch(/creating|bootstrapping/);
    expect(await byService(project)).toEqual(before);
  });
});
