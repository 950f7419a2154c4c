import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  berth,
  byService,
  containers,
  fixtureProfile,
  freePort,
  purge,
  stateDir,
  uniqueProject,
} from '../helpers/engine.js';

const projects: string[] = [];
function project(prefix: string): string {
  const p = uniqueProject(prefix);
  projects.push(p);
  return p;
}
afterAll(async () => {
  for (const p of projects) await purge(p);
});

describe('bad input gets a clear error, a non-zero exit, and nothing half-deployed', () => {
  const state = stateDir();

  it('a typo in a profile names file, line, key and the nearest valid key; nothing is created', async () => {
    const p = project('typo');
    const run = await berth(['deploy', '--profile', fixtureProfile('typo'), '--project', p], { state });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${fixtureProfile('typo')}:3:1: paramters: unknown key "paramters"`);
    expect(run.stderr).toContain('did you mean "parameters"?');
    expect(await containers(p)).toEqual([]);
  });

  it('a host port already in use names the service and port, and changes nothing', async () => {
    const p = project('port');
    const taken = await freePort();
    const holder = net.createServer().listen(taken, '127.0.0.1');
    try {
      const run = await berth(
        [
          'deploy',
          '--profile',
          'demo',
          '--project',
          p,
          '--param',
          `demo_api_port=${taken}`,
          '--param',
          `demo_proxy_port=${await freePort()}`,
          '--param',
          `demo_cache_port=${await freePort()}`,
        ],
        { state },
      );
      expect(run.exitCode).toBe(1);
      expect(run.all).toContain(
        `service demo-api: host port 127.0.0.1:${taken} (container port 8080) is already in use`,
      );
      expect(run.all).toContain('nothing was changed');
      expect(await containers(p)).toEqual([]);
    } finally {
      holder.close();
    }
  });

  it("an image build failure shows the failing step's output; only the services of other images run", async () => {
    const p = project('build');
    const run = await berth(['deploy', '--profile', fixtureProfile('build-fails'), '--project', p], { state });
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain('service broken-build: image build failed');
    expect(run.all).toContain('error: missing header thing.h');
    expect(run.all).toMatch(/next: Fix .*images\/broken\/Dockerfile/);
    // Builds go with the deploy: steady's image was ready, so steady runs; broken-build never got a container.
    expect(Object.keys(await byService(p))).toEqual(['steady']);
  });

  it('a health check that never passes times out with its probe output and logs; healthy services keep running', async () => {
    const p = project('health');
    const run = await berth(['deploy', '--profile', fixtureProfile('health-fails'), '--project', p], { state });
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain(
      'FAILED (never-healthy): service never-healthy: health check never passed after 5 probes; last probe: exit 1: probe: no peer',
    );
    expect(run.all).toContain('| waiting for a peer that never comes');
    expect(run.all).toContain('next: See all logs with "berth logs never-healthy"');
    const state_ = await byService(p);
    expect(state_.steady?.running).toBe(true);
    // What depends on the failed service was never started.
    expect(state_['after-never-healthy']).toBeUndefined();
  });

  it('a failing bootstrap task names the service and task and shows its output', async () => {
    const p = project('boot');
    const run = await berth(['deploy', '--profile', fixtureProfile('bootstrap-fails'), '--project', p], { state });
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain('service failing-bootstrap: bootstrap task "db-sync" failed with exit code 4');
    expect(run.all).toContain('| ERROR: table exists');
    const services = await byService(p);
    expect(services.steady?.running).toBe(true);
    expect(services['failing-bootstrap']).toBeUndefined();
  });

  it('an unreachable engine is one line and a remedy', async () => {
    const run = await berth(['deploy', '--profile', 'demo', '--project', project('noengine')], {
      state,
      env: { DOCKER_HOST: 'unix:///tmp/berth-no-such-engine.sock' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      'berth: Docker engine not reachable at unix:///tmp/berth-no-such-engine.sock (connect ENOENT /tmp/berth-no-such-engine.sock)',
    );
    expect(run.stderr).toContain('next: Start it with "make engine"');
  });
});
