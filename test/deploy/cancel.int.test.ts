import { afterAll, describe, expect, it } from 'vitest';
import { berth, byService, containers, demoArgs, purge, stateDir, uniqueProject, volumes } from '../helpers/engine.js';

describe('Ctrl-C during deploy', () => {
  const project = uniqueProject('cancel');
  const state = stateDir();
  afterAll(() => purge(project));

  it('cancels cleanly, and the next deploy converges with no duplicates and no lost volumes', async () => {
    await purge(project);
    const args = await demoArgs(project);
    const child = berth(['deploy', ...args], { state });
    let output = '';
    // Interrupt once the first service is up and the API's turn has begun.
    await new Promise<void>((resolve) => {
      child.all!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/demo-api\s+(creating|bootstrapping|starting)/.test(output)) resolve();
      });
    });
    child.kill('SIGINT');
    const run = await child;
    expect(run.exitCode, run.all).toBe(130);
    expect(run.all).toContain('cancelling');
    expect(run.all).toContain(
      'cancelled: Containers that were running were left as they are; rerun the same command to converge.',
    );
    const volumesBefore = await volumes(project);
    expect(volumesBefore).toEqual([`${project}_cache-data`]);

    const again = await berth(['deploy', ...args], { state });
    expect(again.exitCode, again.all).toBe(0);
    const all = await containers(project);
    expect(all.map((c) => c.Config.Labels['org.berth.service']).sort()).toEqual([
      'demo-api',
      'demo-cache',
      'demo-proxy',
    ]);
    expect(Object.values(await byService(project)).every((s) => s.running)).toBe(true);
    expect(await volumes(project)).toEqual(volumesBefore);
    // No throwaway bootstrap container was left behind either.
    const { docker } = await import('../helpers/engine.js');
    const oneOffs = await docker.listContainers({
      all: true,
      filters: { label: [`org.berth.project=${project}`, 'org.berth.one-off=true'] },
    });
    expect(oneOffs).toEqual([]);
  });
});
