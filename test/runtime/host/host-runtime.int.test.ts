import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostRuntime } from '../../../lib/runtime/host/host-runtime.js';
import { berth, demoArgs, freePort, httpGet, stateDir, uniqueProject } from '../../helpers/engine.js';

/** The demo profile as supervised host processes from Debian packages (redis-server, nginx, node). */
describe('host runtime', () => {
  const project = uniqueProject('host');
  const state = stateDir();
  const host = new HostRuntime({ ...process.env, BERTH_STATE_DIR: state });
  let args: string[] = [];
  let proxyPort = 0;

  beforeAll(async () => {
    proxyPort = await freePort();
    args = ['--runtime', 'host', ...(await demoArgs(project, { proxyPort }))];
  });
  afterAll(() => berth(['down', '--volumes', ...args], { state }));

  it('deploys, bootstraps and verifies the demo with the same checks as containers', async () => {
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain('on host processes');
    expect(run.all).toMatch(/demo-api\s+bootstrap seed-greeting: done/);
    const verify = await berth(['verify', ...args], { state });
    expect(verify.exitCode, verify.all).toBe(0);
    expect(verify.stdout).toContain('5 passed, 0 failed');
    expect(JSON.parse((await httpGet(proxyPort, '/')).body).greeting).toBe('hello from berth');
  });

  it('restarts a crashed service, and keeps its output in its log', async () => {
    const cache = (await host.list(project)).find((i) => i.service === 'demo-cache')!;
    const stateFile = join(state, 'projects', project, 'host', 'instances', 'demo-cache', 'state.json');
    const { childPid } = JSON.parse(readFileSync(stateFile, 'utf8'));
    process.kill(childPid, 'SIGKILL');
    let after = JSON.parse(readFileSync(stateFile, 'utf8'));
    for (let i = 0; i < 100 && !(after.running && after.childPid !== childPid); i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = JSON.parse(readFileSync(stateFile, 'utf8'));
    }
    expect(after.restarts).toBe(1);
    expect(after.childPid).not.toBe(childPid);
    expect((await host.logs(cache.id, { tail: 200 })).join('\n')).toContain('demo-cache exited with signal SIGKILL');
    const status = await berth(['status', '--json', ...args], { state });
    expect(JSON.parse(status.stdout).services.map((s: { state: string }) => s.state)).toEqual([
      'running',
      'running',
      'running',
    ]);
  });

  it('redeploys as a no-op, and down stops every process but keeps the data directory', async () => {
    const noop = await berth(['deploy', ...args], { state });
    expect(noop.exitCode, noop.all).toBe(0);
    expect(noop.all).not.toMatch(/creating|starting/);
    const down = await berth(['down', ...args], { state });
    expect(down.exitCode, down.all).toBe(0);
    expect(down.all).toContain('kept volumes (data): cache-data');
    expect(await host.list(project)).toEqual([]);
    await expect(httpGet(proxyPort, '/')).rejects.toThrow();
  });
});
