import { describe, expect, it } from 'vitest';
import { deploy } from '../../lib/deploy/deploy.js';
import { EventBus } from '../../lib/events/bus.js';
import type { VerifyCheck } from '../../lib/profile/model.js';
import type { ToolRunner } from '../../lib/runtime/types.js';
import { verify } from '../../lib/ops/verify.js';
import { fakeProfile, fakeService } from '../helpers/fake-profile.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';

const check = (name: string, after: string[] = []): VerifyCheck => ({
  name,
  service: 'api',
  exec: ['check', name],
  retries: 0,
  after,
});

describe('verify (logic, on a fake runtime)', () => {
  it('runs checks side by side, one that names another after it, and returns them in declared order', async () => {
    const runtime = new FakeRuntime();
    const profile = { ...fakeProfile([fakeService('api')]), verify: [check('a'), check('b'), check('c', ['a'])] };
    await deploy({ runtime, profile, bus: new EventBus() });
    // a returns only once b has begun: checks run one after another would hang here.
    let bStarted!: () => void;
    const b = new Promise<void>((resolve) => (bStarted = resolve));
    const finished: string[] = [];
    runtime.onExec = async ([, name]) => {
      if (name === 'a') await b;
      if (name === 'b') bStarted();
      if (name === 'c') expect(finished).toContain('a');
    };
    const results = await verify(runtime, profile, (r) => finished.push(r.name));
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['api is healthy', true],
      ['a', true],
      ['b', true],
      ['c', true],
    ]);
    expect(finished.indexOf('c')).toBeGreaterThan(finished.indexOf('a'));
  });

  it('runs every client check in one served client container, removed after the last check', async () => {
    const runtime = new FakeRuntime();
    const clientCheck = (name: string): VerifyCheck => ({
      name,
      service: 'api',
      client: ['cli', name],
      retries: 0,
      after: [],
    });
    const profile = {
      ...fakeProfile([fakeService('api')]),
      client: { image: 'client:1', serve: ['serve'], files: [] },
      verify: [clientCheck('a'), clientCheck('b'), clientCheck('c')],
    };
    await deploy({ runtime, profile, bus: new EventBus() });
    const calls: string[] = [];
    const tools: ToolRunner = {
      runTool: async () => {
        calls.push('runTool');
        return { exitCode: 0, output: '' };
      },
      openToolSession: async (_project, opts) => {
        calls.push(`open ${opts.image} ${opts.serve.join(' ')}`);
        return {
          run: async (command) => {
            calls.push(`run ${command.join(' ')}`);
            return { exitCode: 0, output: 'ok' };
          },
          close: async () => void calls.push('close'),
        };
      },
    };
    const results = await verify(runtime, profile, undefined, tools);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls.filter((c) => c.startsWith('open'))).toEqual(['open client:1 serve']);
    expect(calls.filter((c) => c.startsWith('run')).sort()).toEqual(['run cli a', 'run cli b', 'run cli c']);
    expect(calls.at(-1)).toBe('close');
    expect(calls).not.toContain('runTool');
  });
});
