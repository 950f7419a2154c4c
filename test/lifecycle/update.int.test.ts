import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  berth,
  byService,
  demoArgs,
  docker,
  freePort,
  httpGet,
  purge,
  repoRoot,
  stateDir,
  uniqueProject,
  volumes,
} from '../helpers/engine.js';

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'update', `${name}.yaml`);

/** berth update on the demo profile, on the real engine. */
describe('minor update', () => {
  const project = uniqueProject('update');
  const state = stateDir();
  let args: string[] = [];
  let proxyPort = 0;

  beforeAll(async () => {
    await purge(project);
    proxyPort = await freePort();
    args = await demoArgs(project, { proxyPort });
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
  });
  afterAll(() => purge(project));

  it('refuses a project with nothing deployed, changing nothing', async () => {
    const other = uniqueProject('update-none');
    const run = await berth(['update', '--profile', 'demo', '--project', other], { state });
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain(`project ${other} has nothing deployed to update`);
    expect(await byService(other)).toEqual({});
  });

  it('recreates only the service the update changes, and keeps the data', async () => {
    const before = await byService(project);
    const volumesBefore = await volumes(project);
    const run = await berth(['update', ...args, '-e', fixture('new-greeting')], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/demo-api\s+plan: recreate/);
    expect(run.all).toMatch(/demo-cache\s+plan: keep/);
    const after = await byService(project);
    expect(after['demo-api']!.id).not.toBe(before['demo-api']!.id);
    expect(after['demo-cache']).toEqual(before['demo-cache']);
    expect(after['demo-proxy']).toEqual(before['demo-proxy']);
    expect(await volumes(project)).toEqual(volumesBefore);
    expect(JSON.parse((await httpGet(proxyPort, '/')).body).greeting).toBe('hello from the update');
  });

  it('rolls a service whose new image fails health back to the image and config it had', async () => {
    const updated = ['-e', fixture('new-greeting')];
    const before = await byService(project);
    const oldImage = (await docker.getContainer(before['demo-api']!.id).inspect()).Image;
    const run = await berth(['update', ...args, ...updated, '-e', fixture('api-never-healthy')], { state });
    expect(run.exitCode).toBe(1);
    expect(run.all).toMatch(/FAILED \(demo-api\): service demo-api: health check never passed/);
    expect(run.all).toMatch(/demo-api\s+rollback to its previous image and config/);
    expect(run.all).toMatch(/demo-api\s+rollback done: healthy on its previous image/);
    expect(run.all).toContain('update stopped: demo-api failed');

    const after = await byService(project);
    const api = await docker.getContainer(after['demo-api']!.id).inspect();
    expect(api.Image).toBe(oldImage);
    expect(api.State.Running).toBe(true);
    expect(after['demo-cache']).toEqual(before['demo-cache']);
    expect(JSON.parse((await httpGet(proxyPort, '/')).body).greeting).toBe('hello from the update');
    // Back where it was: deploying what was there before the failed update changes nothing.
    const redeploy = await berth(['deploy', ...args, ...updated], { state });
    expect(redeploy.exitCode, redeploy.all).toBe(0);
    expect(redeploy.all).not.toMatch(/creating|recreate/);
  });

  it('with --no-rollback leaves the failed service for debugging', async () => {
    const run = await berth(
      ['update', ...args, '-e', fixture('new-greeting'), '-e', fixture('api-never-healthy'), '--no-rollback'],
      { state },
    );
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain('left as it failed (--no-rollback)');
    expect(run.all).not.toContain('rollback done');
    const api = await docker.getContainer((await byService(project))['demo-api']!.id).inspect();
    expect(api.Config.Image).toBe('berth-test/demo-api-never-healthy:latest');
  });
});
