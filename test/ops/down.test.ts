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
    const result = await down(runtime, 'p', new EventBus(), { volumes: false, steps: profile.steps });
    expect(result.removed.sort()).toEqual(['api', 'cache', 'db', 'worker']);
    const at = (call: string) => runtime.calls.indexOf(call);
    for (const dependent of ['remove api', 'remove worker'])
      for (const dependency of ['stop db', 'stop cache']) expect(at(dependency)).toBeGreaterThan(at(dependent));
  });
});
