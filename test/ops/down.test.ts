import { describe, expect, it } from 'vitest';
import { deploy } from '../../lib/deploy/deploy.js';
import { EventBus } from '../../lib/events/bus.js';
import { down } from '../../lib/ops/down.js';
import { fakeProfile, fakeService } from '../helpers/fake-profile.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';

const on = (...services: string[]) =>
  services.map((service) => ({ service, condition: 'healthy' as const, restart: false }));

describe('down (logic, on a fake runtime)', () => {
  it('stops a step at once, and each step only after every step that depends on it', async () => {
    const runtime = new FakeRuntime();
    const profile = fakeProfile([
      fakeService('db'),
      fakeService('cache'),
      fakeService('api', { dependsOn: on('db', 'cache') }),
      fakeService('worker', { dependsOn: on('db') }),
    ]);
    await deploy({ runtime, profile, bus: new EventBus() });
    runtime.calls.length = 0;
    // api's stop returns only once worker's has begun: a down that stopped them one by one would hang.
    let workerStopping!: () => void;
    const worker = new Promise<void>((resolve) => (workerStopping = resolve));
    runtime.onStop = async (service) => {
      if (service === 'api') await worker;
      if (service === 'worker') workerStopping();
    };
    const result = await down(runtime, 'p', new EventBus(), { volumes: false, services: profile.services });
    expect(result.removed.sort()).toEqual(['api', 'cache', 'db', 'worker']);
    const at = (call: string) => runtime.calls.indexOf(call);
    for (const dependent of ['remove api', 'remove worker'])
      for (const dependency of ['stop db', 'stop cache']) expect(at(dependency)).toBeGreaterThan(at(dependent));
  });

  it('stops a service once its own dependents are gone, not once the whole step before it is', async () => {
    const runtime = new FakeRuntime();
    const profile = fakeProfile([
      fakeService('db'),
      fakeService('cache'),
      fakeService('api', { dependsOn: on('db') }),
      fakeService('worker', { dependsOn: on('cache') }),
    ]);
    await deploy({ runtime, profile, bus: new EventBus() });
    runtime.calls.length = 0;
    // api's stop returns only once cache's has begun: cache waiting for api's whole step would hang here.
    let cacheStopping!: () => void;
    const cache = new Promise<void>((resolve) => (cacheStopping = resolve));
    runtime.onStop = async (service) => {
      if (service === 'api') await cache;
      if (service === 'cache') cacheStopping();
    };
    await down(runtime, 'p', new EventBus(), { volumes: false, services: profile.services });
    const at = (call: string) => runtime.calls.indexOf(call);
    expect(at('stop cache')).toBeGreaterThan(at('remove worker'));
    expect(at('stop db')).toBeGreaterThan(at('remove api'));
  });
});
