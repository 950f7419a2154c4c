import { describe, expect, it } from 'vitest';
import { deploy } from '../../lib/deploy/deploy.js';
import { EventBus } from '../../lib/events/bus.js';
import type { VerifyCheck } from '../../lib/profile/model.js';
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
});
