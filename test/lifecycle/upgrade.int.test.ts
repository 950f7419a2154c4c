import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { installedVersions } from '../../lib/runtime/host/packages.js';
import {
  berth,
  byService,
  demoArgs,
  freePort,
  httpGet,
  purge,
  repoRoot,
  stateDir,
  uniqueProject,
  volumes,
} from '../helpers/engine.js';

/** berth upgrade --from host on the demo profile: real host processes (Debian packages), real containers. */
describe('major upgrade from the host runtime to containers', () => {
  const project = uniqueProject('upgrade');
  const state = stateDir();
  const host = new HostRuntime({ ...process.env, BERTH_STATE_DIR: state });
  let args: string[] = [];
  let proxyPort = 0;
  const hits = async () => JSON.parse((await httpGet(proxyPort, '/')).body).hits as number;

  beforeAll(async () => {
    await purge(project);
    proxyPort = await freePort();
    args = await demoArgs(project, { proxyPort });
    const run = await berth(['deploy', '--runtime', 'host', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
  });
  afterAll(async () => {
    await berth(['down', '--runtime', 'host', '--volumes', ...args], { state });
    await purge(project);
  });

  it('a failing step puts that service back on the host from its backup, data intact', async () => {
    for (let i = 0; i < 3; i++) await hits();
    const before = await hits();
    const run = await berth(
      ['upgrade', '--from', 'host', ...args, '-e', join(repoRoot, 'test/fixtures/upgrade/cache-never-healthy.yaml')],
      { state },
    );
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain('upgrade stopped at demo-cache');
    expect(run.all).toContain('this release of the cache never becomes healthy');
    expect(run.all).toMatch(/demo-cache\s+rollback done: running on the host again, data restored from the backup/);
    expect(await byService(project)).toEqual({});
    expect(await volumes(project)).toEqual([]);
    expect((await host.list(project)).map((i) => [i.service, i.running]).sort()).toEqual([
      ['demo-api', true],
      ['demo-cache', true],
      ['demo-proxy', true],
    ]);
    expect(await hits()).toBe(before + 1);
  });

  it('moves every service into a container, and what was written before is read after; --cleanup removes the host side', async () => {
    const before = await hits();
    const installedByBerth = host.installedByBerth().filter((p) => ['redis-server', 'nginx'].includes(p));
    const run = await berth(['upgrade', '--from', 'host', '--cleanup', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain('plan: move demo-cache (data: cache-data), then demo-api, then demo-proxy');
    // Purged: what berth installed. Kept: what was on the machine before berth (then it is not in the record).
    const versions = await installedVersions(['redis-server', 'nginx']);
    for (const [name, version] of versions)
      expect(version === undefined, `${name} ${version}`).toBe(installedByBerth.includes(name));
    // Whichever way this machine came (packages berth installed, or ones it found), cleanup reports what it
    // purged, and that includes every one of these berth installed.
    const purged = /cleanup: purged (.*); removed /.exec(run.all)?.[1];
    expect(purged, run.all.slice(-2000)).toBeDefined();
    for (const name of installedByBerth) expect(purged).toContain(name);
    expect(existsSync(join(state, 'projects', project, 'host'))).toBe(false);
    expect(readdirSync(join(state, 'projects', project, 'backups'))).toHaveLength(2);
    expect(run.all).toContain('moved to containers: demo-cache, demo-api, demo-proxy');
    expect(run.all).toContain('5 passed, 0 failed');
    expect(Object.keys(await byService(project)).sort()).toEqual(['demo-api', 'demo-cache', 'demo-proxy']);
    expect(await host.list(project)).toEqual([]);
    // verify's check counted one visit after the move; this read is the next.
    expect(await hits()).toBe(before + 2);
  });

  it('refuses to run again once nothing is left on the host', async () => {
    const run = await berth(['upgrade', '--from', 'host', ...args], { state });
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain(`project ${project} has nothing on the host runtime to upgrade`);
  });
});
