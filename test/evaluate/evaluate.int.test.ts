import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../lib/runtime/docker/docker-runtime.js';
import { HostRuntime } from '../../lib/runtime/host/host-runtime.js';
import { berth, demoArgs, stateDir, uniqueProject } from '../helpers/engine.js';

/** berth evaluate on the demo: both runtimes really deployed, weighed, compared and removed again. */
describe('berth evaluate', () => {
  it('compares the demo on host processes and in containers, then removes both', async () => {
    const project = uniqueProject('eval');
    const state = stateDir();
    const report = join(mkdtempSync(join(tmpdir(), 'berth-eval-')), 'evaluate.md');
    const run = await berth(['evaluate', '--json', '--report', report, ...(await demoArgs(project))], { state });
    expect(run.exitCode, run.all.slice(-4000)).toBe(0);
    const events = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const result = events.find((e) => e.type === 'evaluate');
    expect(result.restarted).toBe('demo-api');
    expect(result.figures.map((f: { runtime: string }) => f.runtime)).toEqual(['host', 'docker']);
    for (const f of result.figures) {
      expect(f.verify, f.runtime).toEqual({ passed: 5, failed: 0 });
      expect(f.firstDeployMs).toBeGreaterThan(0);
      expect(f.freshDeployMs).toHaveLength(1);
      expect(f.noopDeployMs[0]).toBeGreaterThan(0);
      expect(f.restartMs[0]).toBeGreaterThan(0);
      // Three services, each a process tree holding at least a few MiB: not an empty measurement.
      expect(f.memory.services, f.runtime).toBeGreaterThan(3 * 2 ** 20);
      expect(f.memory.runtime, f.runtime).toBeGreaterThan(0);
      expect(f.disk.software, f.runtime).toBeGreaterThan(10 * 2 ** 20);
    }
    expect(result.rows).toHaveLength(9);
    for (const row of result.rows) expect(['host', 'docker', 'even']).toContain(row.better);
    const md = readFileSync(report, 'utf8');
    expect(md).toContain('| measure | host processes | containers | better |');
    expect(md).toContain('| restart demo-api until healthy |');
    // Torn down: nothing of the project left on either runtime.
    const env = { ...process.env, BERTH_STATE_DIR: state };
    expect(await new HostRuntime(env).list(project)).toEqual([]);
    expect(await new DockerRuntime().list(project)).toEqual([]);
    expect((await new DockerRuntime().volumeGenerations(project)).size).toBe(0);
  });
});
