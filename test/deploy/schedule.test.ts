import { describe, expect, it } from 'vitest';
import { deploy } from '../../lib/deploy/deploy.js';
import { ServiceFailedError } from '../../lib/errors.js';
import { EventBus } from '../../lib/events/bus.js';
import { fakeProfile, fakeService } from '../helpers/fake-profile.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';

const healthyDep = (service: string) => ({ service, condition: 'healthy' as const, restart: false });

describe('the deploy scheduler (logic, on a fake runtime)', () => {
  it('starts a service only after what it depends on is healthy, and independent ones meanwhile', async () => {
    const runtime = new FakeRuntime();
    let releaseDb!: () => void;
    const dbHeld = new Promise<void>((resolve) => (releaseDb = resolve));
    // db's start does not return until cache has started: only a scheduler that runs them side by side ends.
    runtime.onStart = async (service) => {
      if (service === 'db') await dbHeld;
      if (service === 'cache') releaseDb();
    };
    const profile = fakeProfile([
      fakeService('db'),
      fakeService('cache'),
      fakeService('api', { dependsOn: [healthyDep('db'), healthyDep('cache')] }),
    ]);
    await deploy({ runtime, profile, bus: new EventBus() });
    const at = (call: string) => runtime.calls.findIndex((c) => c.startsWith(call));
    expect(at('start cache')).toBeGreaterThan(at('start db'));
    expect(at('create api')).toBeGreaterThan(at('start db'));
    expect(at('create api')).toBeGreaterThan(at('start cache'));
  });

  it('keeps healthy services running when one fails, and starts nothing that depends on the failed one', async () => {
    const runtime = new FakeRuntime();
    runtime.healthy = (service) => service !== 'db';
    const profile = fakeProfile([
      fakeService('db'),
      fakeService('cache'),
      fakeService('api', { dependsOn: [healthyDep('db')] }),
    ]);
    const error = await deploy({ runtime, profile, bus: new EventBus() }).catch((e) => e);
    expect(error).toBeInstanceOf(ServiceFailedError);
    expect(error.service).toBe('db');
    expect(runtime.calls.some((c) => c.startsWith('create api'))).toBe(false);
    const running = (await runtime.list('p')).filter((i) => i.running).map((i) => i.service);
    expect(running.sort()).toEqual(['cache', 'db']);
    expect(runtime.calls.some((c) => c.startsWith('stop'))).toBe(false);
  });

  it('redeploys as a no-op: nothing created, started or stopped', async () => {
    const runtime = new FakeRuntime();
    const profile = fakeProfile([fakeService('db'), fakeService('api', { dependsOn: [healthyDep('db')] })]);
    await deploy({ runtime, profile, bus: new EventBus() });
    runtime.calls.length = 0;
    await deploy({ runtime, profile, bus: new EventBus() });
    expect(runtime.calls).toEqual([]);
  });

  it('probes a kept service early only when nothing below it is recreated', async () => {
    const runtime = new FakeRuntime();
    const api = fakeService('api', { dependsOn: [healthyDep('db')] });
    await deploy({
      runtime,
      profile: fakeProfile([fakeService('db'), fakeService('cache'), api]),
      bus: new EventBus(),
    });
    runtime.calls.length = 0;
    runtime.probes.length = 0;
    // db's config changes: db is recreated; api and cache are kept.
    const changed = fakeProfile([fakeService('db', { environment: { MODE: 'new' } }), fakeService('cache'), api]);
    await deploy({ runtime, profile: changed, bus: new EventBus() });
    const probedAt = (name: string) => runtime.probes.find((p) => p.service === name)!.after;
    const startDb = runtime.calls.indexOf('start db');
    expect(runtime.calls).not.toContain('create api');
    // cache depends on nothing: its probe is asked before db is even stopped. api's only after db is back.
    expect(probedAt('cache')).toBe(0);
    expect(probedAt('api')).toBeGreaterThan(startDb);
  });
});
