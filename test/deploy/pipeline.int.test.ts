import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, byService, demoArgs, purge, repoRoot, stateDir, uniqueProject } from '../helpers/engine.js';

/** Images pipelined into the deploy, on the real engine: a build that never ends holds back only its service. */
describe('builds pipelined into the deploy', () => {
  const project = uniqueProject('pipeline');
  const state = stateDir();
  afterAll(() => purge(project));

  it('brings up the services whose images are ready while another image is still building', async () => {
    await purge(project);
    const env = join(repoRoot, 'test/fixtures/pipeline/proxy-never-built.yaml');
    const child = berth(['deploy', '--json', ...(await demoArgs(project)), '-e', env], { state });
    const events: { type: string; service?: string; state?: string; services?: string[] }[] = [];
    let partial = '';
    // The proxy's build never finishes, so anything healthy was healthy while it was still building.
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines.filter(Boolean)) events.push(JSON.parse(line));
        const healthy = new Set(events.filter((e) => e.state === 'healthy').map((e) => e.service));
        if (healthy.has('demo-cache') && healthy.has('demo-api')) resolve();
      });
    });
    child.kill('SIGINT');
    const run = await child;
    expect(run.exitCode, run.all.slice(-3000)).toBe(130);
    const proxyImageReady = events.some((e) => e.type === 'image.ready' && e.services?.includes('demo-proxy'));
    expect(proxyImageReady).toBe(false);
    const proxyWaits = events.find((e) => e.service === 'demo-proxy' && e.state === 'waiting') as { detail?: string };
    expect(proxyWaits?.detail).toContain('its image (berth-test/demo-proxy-never-built:latest)');
    const running = await byService(project);
    expect(Object.keys(running).sort()).toEqual(['demo-api', 'demo-cache']);
  });
});
