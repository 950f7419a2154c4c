import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy } from '../../lib/deploy/deploy.js';
import { BerthError } from '../../lib/errors.js';
import { EventBus } from '../../lib/events/bus.js';
import { moveOrder, UpgradeFailedError, upgradeFromHost } from '../../lib/lifecycle/upgrade.js';
import { fakeProfile, fakeService } from '../helpers/fake-profile.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';

const onDb = [{ service: 'db', condition: 'healthy' as const, restart: false }];

/** db (with a data volume) and api on a host-like fake, deployed; a Docker-like fake to move them into. */
async function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'berth-upgrade-'));
  const host = new FakeRuntime({ name: 'host', volumesAt: join(root, 'volumes') });
  const docker = new FakeRuntime();
  const services = [
    fakeService('db', { volumes: [{ type: 'volume', source: 'data', target: '/var/lib/db', readOnly: false }] }),
    fakeService('api', { dependsOn: onDb }),
  ];
  const hostProfile = fakeProfile(services, join(root, 'state'));
  const profile = { ...hostProfile };
  await deploy({ runtime: host, profile: hostProfile, bus: new EventBus() });
  const dataDir = join(root, 'volumes', 'p', 'data');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'rows'), 'written before the upgrade');
  return { host, docker, hostProfile, profile, dataDir };
}

describe('upgrade from the host (logic, on fake runtimes)', () => {
  it('puts a service that fails in its container back on the host, keeping what moved before it', async () => {
    const { host, docker, hostProfile, profile, dataDir } = await fixture();
    docker.healthy = (service) => service !== 'api';
    host.calls.length = 0;

    const error = await upgradeFromHost({ host, docker, hostProfile, profile, bus: new EventBus() }).catch((e) => e);
    expect(error).toBeInstanceOf(UpgradeFailedError);
    expect(error.report).toMatchObject({ moved: ['db'], failed: 'api' });
    // db moved with its data; api's container is gone and its host process runs again.
    expect(docker.filled).toEqual([`db:data<-${dataDir}`]);
    expect((await docker.list('p')).map((i) => i.service)).toEqual(['db']);
    expect(host.calls).toEqual(['stop db', 'remove db', 'stop api', 'start api']);
    expect((await host.list('p')).map((i) => [i.service, i.running])).toEqual([['api', true]]);
    expect(readFileSync(join(dataDir, 'rows'), 'utf8')).toBe('written before the upgrade');
  });

  it('refuses to upgrade into a runtime without an image store, changing nothing', async () => {
    const { host, hostProfile, profile } = await fixture();
    host.calls.length = 0;
    const noImages = new FakeRuntime({ images: false });
    const error = await upgradeFromHost({ host, docker: noImages, hostProfile, profile, bus: new EventBus() }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(BerthError);
    expect(error.message).toContain('needs an image store');
    expect([...host.calls, ...noImages.calls]).toEqual([]);
  });

  it('moves a service others contribute to (haproxy) after them, unless something depends on it', () => {
    const proxy = fakeService('proxy', { contributors: ['api'] });
    const order = (services: ReturnType<typeof fakeService>[]) => moveOrder(services).map((s) => s.name);
    expect(order([proxy, fakeService('db'), fakeService('api', { dependsOn: onDb })])).toEqual(['db', 'api', 'proxy']);
    // Already moved contributors do not hold it back; a dependent that needs it first does not wait for it.
    expect(order([proxy, fakeService('db')])).toEqual(['proxy', 'db']);
    const needsProxy = fakeService('api', { dependsOn: [{ service: 'proxy', condition: 'healthy', restart: false }] });
    expect(order([proxy, needsProxy])).toEqual(['proxy', 'api']);
  });
});
