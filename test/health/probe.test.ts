import { describe, expect, it } from 'vitest';
import { waitHealthy } from '../../lib/health/probe.js';
import type { HealthCheck } from '../../lib/profile/model.js';
import type { Runtime } from '../../lib/runtime/types.js';
import { instance } from '../helpers/service.js';

/** A fake runtime whose exec probe answers from a script, with a fake clock advanced by sleep. */
function fixture(
  answers: number[],
  state: { running: boolean; restarting?: boolean; exitCode?: number } = { running: true },
) {
  let now = 0;
  const sleeps: number[] = [];
  const runtime = {
    exec: async () => ({ exitCode: answers.shift() ?? 1, output: '' }),
    inspectState: async () => ({
      running: state.running,
      restarting: state.restarting ?? false,
      exitCode: state.exitCode ?? 0,
      status: state.running ? 'running' : 'exited',
    }),
  } as unknown as Runtime;
  return {
    runtime,
    sleeps,
    opts: {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    },
  };
}

const check = (over: Partial<HealthCheck> = {}): HealthCheck => ({
  probe: { kind: 'exec', command: ['true'] },
  intervalMs: 1000,
  timeoutMs: 1000,
  retries: 3,
  startPeriodMs: 0,
  ...over,
});

describe('waitHealthy', () => {
  it('returns as soon as a probe passes', async () => {
    const f = fixture([1, 1, 0]);
    expect(await waitHealthy(f.runtime, instance('x'), check({ retries: 10 }), f.opts)).toEqual({
      ok: true,
      attempts: 3,
    });
  });

  it('backs off from the initial interval up to the check interval', async () => {
    const f = fixture([1, 1, 1, 1, 1, 1, 0]);
    await waitHealthy(f.runtime, instance('x'), check({ retries: 10, intervalMs: 400 }), {
      ...f.opts,
      initialIntervalMs: 50,
    });
    expect(f.sleeps).toEqual([50, 100, 200, 400, 400, 400]);
  });

  it('caps the interval lower when asked (berth dev), counting failures by time so retries still mean as long', async () => {
    const f = fixture([]);
    const r = await waitHealthy(f.runtime, instance('x'), check({ retries: 3, intervalMs: 1000 }), {
      ...f.opts,
      initialIntervalMs: 25,
      maxIntervalMs: 250,
    });
    expect(f.sleeps.slice(0, 6)).toEqual([25, 50, 100, 200, 250, 250]);
    expect(Math.max(...f.sleeps)).toBe(250);
    // 3 retries of a 1 s check: about 3 s of probing, not 3 probes.
    expect(r.ok).toBe(false);
    expect(f.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2500);
  });

  it('gives up after the retries', async () => {
    const f = fixture([]);
    const r = await waitHealthy(f.runtime, instance('x'), check({ retries: 3 }), f.opts);
    expect(r).toMatchObject({ ok: false, attempts: 3 });
  });

  it('does not count failures inside the start period', async () => {
    const f = fixture([]);
    const r = await waitHealthy(
      f.runtime,
      instance('x'),
      check({ retries: 2, startPeriodMs: 5000, intervalMs: 1000 }),
      f.opts,
    );
    expect(r.attempts).toBe(7);
  });

  it('fails at once when the container exits or crash-loops', async () => {
    const exited = fixture([], { running: false, exitCode: 3 });
    expect(await waitHealthy(exited.runtime, instance('x'), check({ retries: 50 }), exited.opts)).toMatchObject({
      ok: false,
      attempts: 1,
      exited: 3,
    });
    const looping = fixture([], { running: true, restarting: true, exitCode: 1 });
    expect(await waitHealthy(looping.runtime, instance('x'), check({ retries: 50 }), looping.opts)).toMatchObject({
      ok: false,
      attempts: 1,
    });
  });
});
