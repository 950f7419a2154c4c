import { describe, expect, it } from 'vitest';
import { deploy } from '../../lib/deploy/deploy.js';
import { BerthError, ServiceFailedError } from '../../lib/errors.js';
import { EventBus } from '../../lib/events/bus.js';
import { update } from '../../lib/lifecycle/update.js';
import { fakeProfile, fakeService } from '../helpers/fake-profile.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';

const dependsOnDb = [{ service: 'db', condition: 'healthy' as const, restart: false }];

describe('update (logic, on a fake runtime)', () => {
  it('refuses a runtime without an image store before touching anything', async () => {
    const runtime = new FakeRuntime({ name: 'host', images: false });
    const profile = fakeProfile([fakeService('api')]);
    const error = await update({ runtime, profile, bus: new EventBus(), rollback: true }).catch((e) => e);
    expect(error).toBeInstanceOf(BerthError);
    expect(error.message).toContain('berth update');
    expect(error.message).toContain('the host runtime does not have');
    expect(runtime.calls).toEqual([]);
  });

  it('rolls a service whose new image fails health back to the image it ran, and stops before the next', async () => {
    const runtime = new FakeRuntime();
    const profile = fakeProfile([fakeService('db'), fakeService('api', { dependsOn: dependsOnDb })]);
    await deploy({ runtime, profile, bus: new EventBus() });
    const [dbBefore] = await runtime.list('p');
    runtime.healthy = (service, imageId) => !(service === 'db' && imageId !== dbBefore!.imageId);
    runtime.calls.length = 0;

    const error = await update({ runtime, profile, bus: new EventBus(), refreshPackages: true, rollback: true }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(BerthError);
    expect(error.message).toContain('db failed');
    const db = (await runtime.list('p')).find((i) => i.service === 'db')!;
    expect(db.imageId).toBe(dbBefore!.imageId);
    // The tag moved by the failed build is put back, so the old profile plans as a no-op again.
    expect(runtime.tags.get('berth/db:latest')).toBe(dbBefore!.imageId);
    const recreatedApi = runtime.calls.filter((c) => c.startsWith('create api'));
    expect(recreatedApi).toEqual([]);
    expect(runtime.calls.indexOf(`create db ${dbBefore!.imageId}`)).toBeGreaterThan(
      runtime.calls.findIndex((c) => c.startsWith('remove db')),
    );
  });

  it('with rollback off, leaves the failed service on its new image', async () => {
    const runtime = new FakeRuntime();
    const profile = fakeProfile([fakeService('db')]);
    await deploy({ runtime, profile, bus: new EventBus() });
    const [before] = await runtime.list('p');
    runtime.healthy = (_s, imageId) => imageId === before!.imageId;
    const error = await update({ runtime, profile, bus: new EventBus(), refreshPackages: true, rollback: false }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ServiceFailedError);
    expect((await runtime.list('p'))[0]!.imageId).not.toBe(before!.imageId);
  });
});
