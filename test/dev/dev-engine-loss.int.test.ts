import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BerthEvent } from '../../lib/events/types.js';
import { freePort, httpGet, purge, repoRoot, stateDir, uniqueProject } from '../helpers/engine.js';
import { engineProxy } from '../helpers/engine-proxy.js';
import { startDev } from '../helpers/dev-process.js';

describe('berth dev when the engine goes away', () => {
  const project = uniqueProject('dev-engine');
  const state = stateDir();
  const work = mkdtempSync(join(tmpdir(), 'berth-dev-engine-'));
  let proxy: Awaited<ReturnType<typeof engineProxy>>;
  let dev: ReturnType<typeof startDev>;
  let apiPort = 0;

  beforeAll(async () => {
    await purge(project);
    cpSync(join(repoRoot, 'profiles', 'services', 'demo', 'api', 'src'), join(work, 'src'), { recursive: true });
    const envFile = join(work, 'dev.yaml');
    writeFileSync(
      envFile,
      `services:\n  demo-api:\n    dev:\n      sources: [{ path: ${work}/src, target: /app/src }]\n`,
    );
    apiPort = await freePort();
    proxy = await engineProxy();
    const args = [
      '--profile',
      'demo',
      '--project',
      project,
      '-e',
      envFile,
      '--param',
      `demo_api_port=${apiPort}`,
      '--param',
      `demo_proxy_port=${await freePort()}`,
      '--param',
      `demo_cache_port=${await freePort()}`,
    ];
    dev = startDev(args, state, { DOCKER_HOST: proxy.dockerHost });
    await dev.waitFor((e): e is never => e.type === 'dev.watching', { timeoutMs: 240_000 });
  });
  afterAll(async () => {
    dev?.child.kill('SIGKILL');
    await proxy?.close();
    await purge(project);
  });

  it('holds a save made while the engine is gone, says so, and applies it when the engine is back', async () => {
    const mark = dev.events.length;
    proxy.disconnect();
    writeFileSync(join(work, 'src', 'version.mjs'), "export const VERSION = 'after-outage';\n");
    const isHeld = (e: BerthEvent): e is Extract<BerthEvent, { type: 'message' }> =>
      e.type === 'message' &&
      /demo-api: restart held: the engine is not reachable; will retry when it answers/.test(e.text);
    await dev.waitFor(isHeld, { after: mark });
    expect(dev.actions('demo-api', 'failed', mark)).toEqual([]);
    proxy.reconnect();
    const done = await dev.waitFor(dev.isAction('demo-api', 'done'), { after: mark });
    expect(done.files).toEqual([join(work, 'src', 'version.mjs')]);
    expect(JSON.parse((await httpGet(apiPort, '/')).body).version).toBe('after-outage');
  });
});
