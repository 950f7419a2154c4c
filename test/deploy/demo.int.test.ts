import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, byService, freePort, httpGet, purge, stateDir, uniqueProject, volumes } from '../helpers/engine.js';

/** The demo profile on the real engine: deploy, verify, no-op redeploy, one change, down keeps data. */
describe('demo profile on a real engine', () => {
  const project = uniqueProject('demo');
  const state = stateDir();
  let apiPort = 0;
  let proxyPort = 0;
  let args: string[] = [];

  beforeAll(async () => {
    await purge(project);
    [apiPort, proxyPort] = [await freePort(), await freePort()];
    args = ['--profile', 'demo', '--project', project, '--param', `demo_api_port=${apiPort}`, '--param', `demo_proxy_port=${proxyPort}`];
  });
  afterAll(() => purge(project));

  it('deploys every service healthy and verified', async () => {
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/done: 3 services converged/);

    const status = JSON.parse((await berth(['status', '--json', ...args], { state })).stdout);
    expect(status.project).toBe(project);
    expect(status.services.map((s: { name: string; state: string; health: string }) => [s.name, s.state, s.health])).toEqual([
      ['demo-cache', 'running', 'healthy'],
      ['demo-api', 'running', 'healthy'],
      ['demo-proxy', 'running', 'healthy'],
    ]);
    expect(status.services[1].ports).toEqual([`127.0.0.1:${apiPort}->8080`]);

    const verified = await berth(['verify', ...args], { state });
    expect(verified.exitCode, verified.all).toBe(0);
    expect(verified.stdout).toContain('5 passed, 0 failed');

    // The bootstrap task seeded the greeting into redis; the proxy reaches the API by container name.
    const res = await httpGet(proxyPort, '/');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).greeting).toBe('hello from berth');
  });

  it('binds published ports to 127.0.0.1 only', async () => {
    const { docker } = await import('../helpers/engine.js');
    const api = (await byService(project))['demo-api']!;
    const info = await docker.getContainer(api.id).inspect();
    expect(info.HostConfig.PortBindings?.['8080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(apiPort) }]);
  });

  it('redeploys as a no-op: same containers, same start times', async () => {
    const before = await byService(project);
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).not.toMatch(/creating|starting|building/);
    expect(await byService(project)).toEqual(before);
    const plan = await berth(['plan', ...args], { state });
    expect(plan.stdout.trim().split('\n')).toEqual(['keep      demo-cache', 'keep      demo-api', 'keep      demo-proxy']);
  });

  it('recreates only the service whose environment changed', async () => {
    const before = await byService(project);
    const envFile = join(state, 'debug.yaml');
    writeFileSync(envFile, 'services:\n  demo-api:\n    environment:\n      DEBUG: "1"\n');
    const plan = await berth(['plan', ...args, '-e', envFile], { state });
    expect(plan.stdout).toContain('recreate  demo-api  (config changed)');
    const run = await berth(['deploy', ...args, '-e', envFile], { state });
    expect(run.exitCode, run.all).toBe(0);
    const after = await byService(project);
    expect(after['demo-cache']).toEqual(before['demo-cache']);
    expect(after['demo-proxy']).toEqual(before['demo-proxy']);
    expect(after['demo-api']!.id).not.toBe(before['demo-api']!.id);
    expect((await httpGet(proxyPort, '/')).status).toBe(200);
  });

  it('down keeps named volumes and their data unless --volumes is given', async () => {
    const hits = JSON.parse((await httpGet(apiPort, '/')).body).hits as number;
    const down = await berth(['down', ...args], { state });
    expect(down.exitCode, down.all).toBe(0);
    expect(down.stdout).toContain(`kept volumes (data): ${project}_cache-data`);
    expect(await byService(project)).toEqual({});
    expect(await volumes(project)).toEqual([`${project}_cache-data`]);

    expect((await berth(['deploy', ...args], { state })).exitCode).toBe(0);
    expect(JSON.parse((await httpGet(apiPort, '/')).body).hits).toBe(hits + 1);

    const wipe = await berth(['down', '--volumes', ...args], { state });
    expect(wipe.exitCode, wipe.all).toBe(0);
    expect(await volumes(project)).toEqual([]);
  });
});
