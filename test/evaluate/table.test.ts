import { describe, expect, it } from 'vitest';
import {
  evaluationRows,
  lessIsBetter,
  markdownTable,
  median,
  plainTable,
  type RuntimeFigures,
} from '../../lib/evaluate/table.js';

const figures = (runtime: 'host' | 'docker', over: Partial<RuntimeFigures> = {}): RuntimeFigures => ({
  runtime,
  firstDeployMs: 100_000,
  freshDeployMs: [40_000],
  noopDeployMs: [500],
  restartMs: [2_000],
  memory: { services: 300 * 2 ** 20, runtime: 50 * 2 ** 20, measure: 'PSS' },
  disk: { software: 900 * 2 ** 20, data: 200 * 2 ** 20 },
  verify: { passed: 5, failed: 0 },
  ...over,
});

describe('evaluate table', () => {
  it('takes the middle round, so one slow round moves the figure least', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('names the runtime that did better and by how much, and calls a 5 % difference even', () => {
    expect(lessIsBetter(10, 25)).toEqual({ better: 'host', by: '2.5x less' });
    expect(lessIsBetter(30, 10)).toEqual({ better: 'docker', by: '3.0x less' });
    expect(lessIsBetter(100, 104)).toEqual({ better: 'even', by: 'within 5 %' });
    expect(lessIsBetter(0, 5)).toEqual({ better: 'host', by: 'none vs some' });
    expect(lessIsBetter(NaN, 5).by).toBe('not measured');
  });

  it('has one row per measure, in seconds and MiB, with the restarted service named', () => {
    const rows = evaluationRows(
      figures('host', { freshDeployMs: [60_000, 20_000, 30_000] }),
      figures('docker', { memory: { services: 600 * 2 ** 20, runtime: 50 * 2 ** 20, measure: 'PSS' } }),
      'keystone',
    );
    expect(rows.map((r) => r.name)).toEqual([
      'first deploy, as this machine stood',
      'deploy from nothing, packages or images present',
      'no-op redeploy',
      'restart keystone until healthy',
      'idle memory of the services (PSS)',
      "memory of the runtime's own processes (PSS)",
      'disk: what the services run from (packages, images)',
      'disk: data (named volumes)',
      'verify: checks failed',
    ]);
    expect(rows[1]).toMatchObject({ host: 30, docker: 40, unit: 's', better: 'host', by: '1.3x less' });
    expect(rows[4]).toMatchObject({ host: 300, docker: 600, unit: 'MiB', better: 'host', by: '2.0x less' });
    expect(rows[8]).toMatchObject({ better: 'even', by: 'both 5 passed' });
  });

  it('calls the runtime with fewer failed checks better', () => {
    const rows = evaluationRows(figures('host', { verify: { passed: 4, failed: 1 } }), figures('docker'), 'api');
    expect(rows.at(-1)).toMatchObject({ host: 1, docker: 0, better: 'docker', by: 'fewer failed' });
  });

  it('adds a Tempest row only when both runtimes ran Tempest', () => {
    expect(evaluationRows(figures('host'), figures('docker'), 'api').map((r) => r.name)).not.toContain(
      'Tempest: tests failed',
    );
    const tempest = { passed: 310, failed: 0, skipped: 32 };
    const rows = evaluationRows(
      figures('host', { tempest }),
      figures('docker', { tempest: { ...tempest, failed: 2 } }),
      'api',
    );
    expect(rows.at(-1)).toMatchObject({
      name: 'Tempest: tests failed',
      unit: 'tests',
      host: 0,
      docker: 2,
      better: 'host',
    });
    const even = evaluationRows(figures('host', { tempest }), figures('docker', { tempest }), 'api');
    expect(even.at(-1)).toMatchObject({ better: 'even', by: '310 and 310 passed' });
  });

  it('renders aligned plain text and a Markdown table with the same cells', () => {
    const rows = evaluationRows(figures('host'), figures('docker', { noopDeployMs: [1_500] }), 'api');
    const plain = plainTable(rows).split('\n');
    expect(plain[0]).toMatch(/^\s+host processes\s+containers\s+better$/);
    expect(plain.find((l) => l.startsWith('no-op redeploy'))).toMatch(/0\.5 s\s+1\.5 s\s+host processes, 3\.0x less/);
    const md = markdownTable(rows).split('\n');
    expect(md[0]).toBe('| measure | host processes | containers | better |');
    expect(md[1]).toBe('| --- | --- | --- | --- |');
    expect(md).toContain('| no-op redeploy | 0.5 s | 1.5 s | host processes, 3.0x less |');
    expect(md).toHaveLength(rows.length + 2);
  });
});
