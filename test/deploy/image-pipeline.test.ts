import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy } from '../../lib/deploy/deploy.js';
import { ImageBuildError } from '../../lib/deploy/images.js';
import { settleAction } from '../../lib/deploy/schedule.js';
import { EventBus } from '../../lib/events/bus.js';
import type { BerthEvent } from '../../lib/events/types.js';
import { fakeProfile, fakeService } from '../helpers/fake-profile.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';
import { instance } from '../helpers/service.js';

const healthyDep = (service: string) => ({ service, condition: 'healthy' as const, restart: false });

describe('images pipelined into the deploy (logic, on a fake runtime)', () => {
  it('starts a service whose image is ready while another image is still building', async () => {
    const runtime = new FakeRuntime();
    let releaseApi!: () => void;
    const apiHeld = new Promise<void>((resolve) => (releaseApi = resolve));
    // api's build does not finish until cache has started: a deploy that built every image first never ends.
    runtime.onBuild = async (service) => {
      if (service === 'api') await apiHeld;
    };
    runtime.onStart = (service) => {
      if (service === 'cache') releaseApi();
    };
    const profile = fakeProfile([fakeService('api'), fakeService('cache')]);
    await deploy({ runtime, profile, bus: new EventBus() });
    const at = (call: string) => runtime.calls.findIndex((c) => c.startsWith(call));
    expect(at('start cache')).toBeLessThan(at('build api'));
    expect(at('start api')).toBeGreaterThan(at('build api'));
  });

  it('fails only the services of a failed build and their dependents; the others become healthy', async () => {
    const runtime = new FakeRuntime();
    runtime.onBuild = (service) => {
      if (service === 'api') throw new Error('step 3/5: apt-get install exited with 100');
    };
    const events: BerthEvent[] = [];
    const bus = new EventBus();
    bus.subscribe((e) => events.push(e));
    const profile = fakeProfile([
      fakeService('api'),
      fakeService('cache'),
      fakeService('web', { dependsOn: [healthyDep('api')] }),
    ]);
    const error = await deploy({ runtime, profile, bus }).catch((e) => e);
    expect(error).toBeInstanceOf(ImageBuildError);
    expect(error.service).toBe('api');
    expect(error.message).toContain('step 3/5: apt-get install exited with 100');
    const failed = events.flatMap((e) => (e.type === 'service.state' && e.state === 'failed' ? [e.service] : []));
    expect(failed.sort()).toEqual(['api', 'web']);
    expect((await runtime.list('p')).map((i) => [i.service, i.running])).toEqual([['cache', true]]);
    expect(runtime.calls.some((c) => c.startsWith('create web'))).toBe(false);
  });

  it('builds first the image with the longest chain of services waiting behind it', async () => {
    const runtime = new FakeRuntime();
    const profile = fakeProfile([
      fakeService('proxy'),
      fakeService('db'),
      fakeService('api', { dependsOn: [healthyDep('db')] }),
    ]);
    await deploy({ runtime, profile, bus: new EventBus(), buildConcurrency: 1 });
    const builds = runtime.calls.filter((c) => c.startsWith('building ')).map((c) => c.split(' ')[1]);
    expect(builds[0]).toBe('db');
  });

  it('holds back only the images built FROM a shared base while that base builds', async () => {
    const runtime = new FakeRuntime();
    const contexts = mkdtempSync(join(tmpdir(), 'berth-bases-'));
    const context = (name: string, dockerfile: string) => {
      mkdirSync(join(contexts, name));
      writeFileSync(join(contexts, name, 'Dockerfile'), dockerfile);
      return { context: join(contexts, name), dockerfile: 'Dockerfile', args: {} };
    };
    let releaseBase!: () => void;
    const baseHeld = new Promise<void>((resolve) => (releaseBase = resolve));
    // The base does not finish until db's image has built: db waiting for it would never end.
    runtime.onBaseBuild = () => baseHeld;
    runtime.onBuild = (service) => {
      if (service === 'db') releaseBase();
    };
    const profile = {
      ...fakeProfile([
        fakeService('db', { build: context('db', 'FROM debian:bookworm-slim\nRUN true\n') }),
        fakeService('api', { build: context('api', 'FROM berth/base:zed\nRUN true\n') }),
      ]),
      images: [{ name: 'berth/base:zed', build: context('base', 'FROM debian:bookworm-slim\n') }],
    };
    await deploy({ runtime, profile, bus: new EventBus() });
    const at = (call: string) => runtime.calls.indexOf(call);
    expect(at('building db')).toBeLessThan(at('base built berth/base:zed'));
    expect(at('building api')).toBeGreaterThan(at('base built berth/base:zed'));
  });

  it('rebuilds an image the plan saw as current when a base it builds FROM is rebuilt in the same deploy', async () => {
    const runtime = new FakeRuntime();
    const contexts = mkdtempSync(join(tmpdir(), 'berth-bases-'));
    mkdirSync(join(contexts, 'api'));
    writeFileSync(join(contexts, 'api', 'Dockerfile'), 'FROM berth/base:zed\nRUN true\n');
    const api = fakeService('api', { build: { context: join(contexts, 'api'), dockerfile: 'Dockerfile', args: {} } });
    runtime.tags.set(api.image, 'img-api-old');
    // The base's rebuild (a new Debian seed, say) is what makes api's image out of date.
    runtime.onBaseBuild = () => void runtime.staleImages.add(api.image);
    const profile = {
      ...fakeProfile([api]),
      images: [{ name: 'berth/base:zed', build: { context: contexts, dockerfile: 'Dockerfile', args: {} } }],
    };
    await deploy({ runtime, profile, bus: new EventBus() });
    expect(runtime.calls.indexOf('building api')).toBeGreaterThan(runtime.calls.indexOf('base built berth/base:zed'));
    expect((await runtime.list('p')).map((i) => i.imageId)).toEqual([runtime.tags.get(api.image)]);
    expect(runtime.tags.get(api.image)).not.toBe('img-api-old');
  });

  it('says a service waits for its image, and reports each built image with its time', async () => {
    const runtime = new FakeRuntime();
    const events: BerthEvent[] = [];
    const bus = new EventBus();
    bus.subscribe((e) => events.push(e));
    await deploy({ runtime, profile: fakeProfile([fakeService('api')]), bus });
    const waiting = events.find((e) => e.type === 'service.state' && e.state === 'waiting');
    expect(waiting).toMatchObject({ service: 'api', detail: 'its image (berth/api:latest)' });
    expect(events.find((e) => e.type === 'image.ready')).toMatchObject({ services: ['api'] });
  });
});

describe('settling a planned action once the image is built', () => {
  const current = instance('api', { imageId: 'img-1' });
  it('keeps a service whose rebuilt image is the one it runs', () => {
    const action = {
      service: 'api',
      action: 'recreate' as const,
      reasons: ['image rebuilt (build context changed)'],
      instances: [current],
    };
    expect(settleAction(action, 'img-1')).toMatchObject({ action: 'keep', reasons: [] });
    expect(settleAction(action, 'img-2')).toBe(action);
  });

  it('recreates a kept service whose image turned out to differ, and leaves other reasons alone', () => {
    const kept = { service: 'api', action: 'keep' as const, reasons: [], instances: [current] };
    expect(settleAction(kept, 'img-2')).toMatchObject({ action: 'recreate', reasons: ['image changed'] });
    const changed = {
      ...kept,
      action: 'recreate' as const,
      reasons: ['config changed', 'image rebuilt (build context changed)'],
    };
    expect(settleAction(changed, 'img-1')).toBe(changed);
  });
});
