import { readFileSync, statSync, writeFileSync } from 'node:fs';
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
    args = [
      '--profile',
      'demo',
      '--project',
      project,
      '--param',
      `demo_api_port=${apiPort}`,
      '--param',
      `demo_proxy_port=${proxyPort}`,
      '--param',
      `demo_cache_port=${await freePort()}`,
    ];
  });
  afterAll(() => purge(project));

  it('deploys every service healthy and verified', async () => {
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/done: 3 services converged/);

    const status = JSON.parse((await berth(['status', '--json', ...args], { state })).stdout);
    expect(status.project).toBe(project);
    expect(
      status.services.map((s: { name: string; state: string; health: string }) => [s.name, s.state, s.health]),
    ).toEqual([
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
    expect(plan.stdout.trim().split('\n')).toEqual([
      'keep      demo-cache',
      'keep      demo-api',
      'keep      demo-proxy',
    ]);
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

  it('logs, exec, restart and doctor work on the running project', async () => {
    const logs = await berth(['logs', 'demo-api', ...args], { state });
    expect(logs.exitCode, logs.all).toBe(0);
    expect(logs.stdout).toMatch(/^demo-api \| demo-api 1 listening on 8080$/m);

    const exec = await berth(['exec', 'demo-cache', ...args, '--', 'cat', '/etc/debian_version'], { state });
    expect(exec.exitCode, exec.all).toBe(0);
    expect(exec.stdout.trim()).toMatch(/^12\.\d+$/);
    expect((await berth(['exec', 'demo-cache', ...args, '--', 'sh', '-c', 'exit 7'], { state })).exitCode).toBe(7);

    const before = (await byService(project))['demo-api']!;
    const restart = await berth(['restart', 'demo-api', ...args], { state });
    expect(restart.exitCode, restart.all).toBe(0);
    expect(restart.stdout).toMatch(/demo-api restarted and healthy in \d+\.\d s/);
    const after = (await byService(project))['demo-api']!;
    expect(after.id).toBe(before.id);
    expect(after.startedAt).not.toBe(before.startedAt);

    const doctor = await berth(['doctor', ...args], { state });
    expect(doctor.stdout).toMatch(/^ok {3}engine {5}Docker /m);
    expect(doctor.stdout).toMatch(/^ok {3}ports {6}the 3 ports of demo are free or already ours/m);
    expect(doctor.stdout).toMatch(/inotify +max_user_watches \d+/);
  });

  it('keeps the generated secret in a 0600 file and out of every output', async () => {
    const file = join(state, 'projects', project, 'secrets', 'demo_cache_password');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    let outputs = '';
    for (const command of [['deploy', '-v'], ['deploy', '--json'], ['status', '--json'], ['plan']]) {
      outputs += (await berth([...command, ...args], { state })).all + '\n';
    }
    expect(outputs.length).toBeGreaterThan(100);
    expect(outputs).not.toContain(secret);
    // Nor in the command line of any process in the containers (it is in a config file).
    const ps = await berth(
      ['exec', 'demo-cache', ...args, '--', 'sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "'],
      { state },
    );
    expect(ps.stdout).toContain('redis-server');
    expect(ps.stdout).not.toContain(secret);
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
