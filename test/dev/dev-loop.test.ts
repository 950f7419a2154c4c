import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDev } from '../../lib/dev/dev-loop.js';
import { importRecordDir } from '../../lib/dev/loaded-modules.js';
import { BerthError } from '../../lib/errors.js';
import { EventBus } from '../../lib/events/bus.js';
import type { BerthEvent } from '../../lib/events/types.js';
import type { ResolvedService } from '../../lib/profile/model.js';
import { fakeProfile, fakeService, heatEngineListed } from '../helpers/fake-profile.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';

const onDb = [{ service: 'db', condition: 'healthy' as const, restart: false }];

function withSources(root: string, over: Partial<ResolvedService> = {}): ResolvedService {
  return fakeService('api', {
    dependsOn: onDb,
    dev: {
      sources: [{ path: root, target: '/app/src' }],
      rules: [{ paths: ['**/*.py'], action: 'restart', ignore: [] }],
      restartDependents: false,
    },
    ...over,
  });
}

/** runDev over a fake runtime and a real source tree; resolves events as they are emitted. */
function start(runtime: FakeRuntime, services: ResolvedService[]) {
  const bus = new EventBus();
  const events: BerthEvent[] = [];
  const waiters: { pred: (e: BerthEvent) => boolean; resolve: (e: BerthEvent) => void }[] = [];
  bus.subscribe((e) => {
    events.push(e);
    for (const w of waiters.filter((w) => w.pred(e))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(e);
    }
  });
  const next = (pred: (e: BerthEvent) => boolean) =>
    new Promise<BerthEvent>((resolve) => {
      const seen = events.find(pred);
      if (seen) resolve(seen);
      else waiters.push({ pred, resolve });
    });
  const stop = new AbortController();
  const profile = fakeProfile(services);
  const done = runDev({ runtime, load: () => profile, bus, signal: stop.signal, batch: { quietMs: 20 } });
  return { events, next, stop, done };
}

describe('the dev loop (logic, on a fake runtime and a real tree)', () => {
  it('restarts only the service whose source changed, and only once it is watching', async () => {
    const src = mkdtempSync(join(tmpdir(), 'berth-dev-src-'));
    mkdirSync(join(src, 'pkg'));
    const runtime = new FakeRuntime();
    const dev = start(runtime, [fakeService('db'), withSources(src)]);
    await dev.next((e) => e.type === 'dev.watching');
    const before = runtime.calls.length;
    writeFileSync(join(src, 'pkg', 'views.py'), 'x = 1\n');
    const done = await dev.next((e) => e.type === 'dev.action' && e.phase === 'done');
    expect(done).toMatchObject({ service: 'api', action: 'restart' });
    expect(runtime.calls.slice(before)).toEqual(['restart api']);
    dev.stop.abort();
    await dev.done;
  });

  it('leaves alone a service none of whose processes imported the changed module, and says so', async () => {
    const src = mkdtempSync(join(tmpdir(), 'berth-dev-src-'));
    mkdirSync(join(src, 'pkg'));
    const stateDir = mkdtempSync(join(tmpdir(), 'berth-dev-state-'));
    const python = (name: string): ResolvedService =>
      fakeService(name, {
        dependsOn: onDb,
        command: [name],
        dev: {
          sources: [{ path: src, mount: 'pkg', target: '/usr/lib/python3/dist-packages/pkg' }],
          rules: [{ paths: ['**/*.py'], action: 'restart', ignore: [] }],
          restartDependents: false,
          preload: { helper: '/helper.py', modules: ['json'], via: 'parent' },
        },
      });
    const runtime = new FakeRuntime();
    const bus = new EventBus();
    const events: BerthEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const stop = new AbortController();
    const profile = fakeProfile([fakeService('db'), python('api'), python('worker')], stateDir);
    const done = runDev({ runtime, load: () => profile, bus, signal: stop.signal, batch: { quietMs: 20 } });
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => events.some((e) => e.type === 'dev.watching'));
    // What each one's processes imported, as the helper writes it through the mount berth made for it.
    writeFileSync(join(importRecordDir(stateDir, 'api'), '7'), 'pkg\npkg.views\n');
    writeFileSync(join(importRecordDir(stateDir, 'worker'), '9'), 'pkg\npkg.models\n');
    const before = runtime.calls.length;
    writeFileSync(join(src, 'pkg', 'models.py'), 'x = 1\n');
    await until(() => events.some((e) => e.type === 'dev.action' && e.phase === 'done'));
    expect(events.filter((e) => e.type === 'dev.unaffected')).toMatchObject([{ service: 'api' }]);
    // The sentinel: a save api did import restarts it, so the first save's plan would have shown it too.
    writeFileSync(join(src, 'pkg', 'views.py'), 'y = 1\n');
    await until(() => events.filter((e) => e.type === 'dev.action' && e.phase === 'done').length === 2);
    const reloads = runtime.calls.slice(before).filter((c) => !c.startsWith('list'));
    expect(reloads).toEqual([expect.stringMatching(/^exec worker /), expect.stringMatching(/^exec api /)]);
    stop.abort();
    await done;
  });

  /** A keystone and one other API in a local server; each GET of the other API answers `answer()`. */
  async function fakeCloud(type: string, answer: () => unknown) {
    const api = { polls: 0, headers: [] as IncomingHttpHeaders[], stateDir: '', close: () => server.close() };
    let url = '';
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        res.setHeader('x-subject-token', 'tok');
        const catalog = [{ type, endpoints: [{ interface: 'public', url: `${url}/v1/p` }] }];
        return res.end(JSON.stringify({ token: { catalog } }));
      }
      api.polls++;
      api.headers.push(req.headers);
      res.end(JSON.stringify(answer()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    api.stateDir = mkdtempSync(join(tmpdir(), 'berth-dev-state-'));
    const auth = { auth_url: `${url}/v3`, username: 'admin', password: 'x', project_name: 'admin' };
    writeFileSync(join(api.stateDir, 'clouds.yaml'), JSON.stringify({ clouds: { undercloud: { auth } } }));
    return api;
  }

  /** berth dev on an engine gated by `ready`: after a save of engine.py, no "done" until `makeReady` changes the API. */
  async function gatedRestart(
    api: Awaited<ReturnType<typeof fakeCloud>>,
    ready: NonNullable<NonNullable<ResolvedService['dev']>['ready']>,
    makeReady: () => void,
  ): Promise<void> {
    const src = mkdtempSync(join(tmpdir(), 'berth-dev-src-'));
    const engine = withSources(src, {
      dev: {
        sources: [{ path: src, target: '/app/src' }],
        rules: [{ paths: ['**/*.py'], action: 'restart', ignore: [] }],
        restartDependents: false,
        ready,
      },
    });
    const runtime = new FakeRuntime();
    const bus = new EventBus();
    const events: BerthEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const stop = new AbortController();
    const profile = fakeProfile([fakeService('db'), engine], api.stateDir);
    const done = runDev({ runtime, load: () => profile, bus, signal: stop.signal, batch: { quietMs: 20 } });
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => events.some((e) => e.type === 'dev.watching'));
    const before = runtime.calls.length;
    writeFileSync(join(src, 'engine.py'), 'x = 1\n');
    await until(() => runtime.calls.slice(before).includes('restart api'));
    // Restarted and healthy, but not yet listed as new: three answers of the list later, still no "done".
    const seen = api.polls;
    await until(() => api.polls >= seen + 3);
    expect(events.filter((e) => e.type === 'dev.action').map((e) => (e as { phase: string }).phase)).toEqual(['start']);
    makeReady();
    await until(() => events.some((e) => e.type === 'dev.action' && e.phase === 'done'));
    stop.abort();
    await done;
    api.close();
  }

  it('gates a restart on its API listing a new entry of it (heat’s service list), not only on its health check', async () => {
    let listNew = false;
    const api = await fakeCloud('orchestration', () => ({
      services: [{ engine_id: 'old', status: 'up' }, ...(listNew ? [{ engine_id: 'new', status: 'up' }] : [])],
    }));
    await gatedRestart(api, heatEngineListed, () => (listNew = true));
  });

  it('gates a restart on an entry stamped after the new process began (ironic re-registering its conductor)', async () => {
    // The database keeps seconds, in UTC without a zone, as ironic's conductor list shows them.
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    let updatedAt = stamp(Date.now() - 1000);
    const api = await fakeCloud('baremetal', () => ({
      conductors: [{ hostname: 'ironic-conductor', alive: true, updated_at: updatedAt }],
    }));
    const ready = {
      api: 'baremetal',
      path: '/v1/conductors?detail=true',
      list: 'conductors',
      id: 'hostname',
      since: 'updated_at',
      where: { alive: 'true' },
      headers: { 'X-OpenStack-Ironic-API-Version': '1.49' },
      timeoutMs: 60_000,
    };
    await gatedRestart(api, ready, () => (updatedAt = stamp(Date.now() + 2000)));
    expect(api.headers.every((h) => h['x-openstack-ironic-api-version'] === '1.49')).toBe(true);
  });

  it('refuses a sync rule on a runtime that cannot copy into an instance, before deploying anything', async () => {
    const src = mkdtempSync(join(tmpdir(), 'berth-dev-src-'));
    const runtime = new FakeRuntime({ name: 'host', images: false });
    const syncing = withSources(src, {
      dev: {
        sources: [{ path: src, target: '/app/src' }],
        rules: [{ paths: ['**/*.css'], action: 'sync', ignore: [], target: '/app/static' }],
        restartDependents: false,
      },
    });
    const dev = start(runtime, [fakeService('db'), syncing]);
    const error = await dev.done.catch((e) => e);
    expect(error).toBeInstanceOf(BerthError);
    expect(error.message).toContain(`service api's "sync" rule needs copying files into a running instance`);
    expect(runtime.calls).toEqual([]);
  });
});
