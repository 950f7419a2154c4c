import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  berth,
  byService,
  docker,
  freePort,
  httpGet,
  purge,
  repoRoot,
  stateDir,
  uniqueProject,
} from '../helpers/engine.js';
import type { BerthEvent } from '../../lib/events/types.js';
import { sleep, startDev } from '../helpers/dev-process.js';

/** berth dev on the demo profile, a real engine, and a copy of the API's source as the developer's checkout. */
describe('berth dev', () => {
  const project = uniqueProject('dev');
  const state = stateDir();
  const work = mkdtempSync(join(tmpdir(), 'berth-dev-'));
  const api = join(work, 'api');
  const envFile = join(work, 'dev.yaml');
  let apiPort = 0;
  let dev: ReturnType<typeof startDev>;
  const writeEnv = ({ debug = false, dependents = false } = {}) =>
    writeFileSync(
      envFile,
      `services:
  demo-api:
    image: berth-test/dev-api:latest
    build: { context: ${api} }
    dev:
      sources: [{ path: ${api}, target: /app }]
      rules:
        - { paths: ['src/**/*.mjs'], action: restart, ignore: ['**/*.test.mjs'] }
        - { paths: [assets/**], action: sync, target: /srv/api }
        - { paths: [Dockerfile], action: rebuild }
      stop_timeout: 0s
      restart_dependents: ${dependents}
${debug ? '    environment: { DEBUG: "1" }\n' : ''}`,
    );
  const setVersion = (v: string) => writeFileSync(join(api, 'src', 'version.mjs'), `export const VERSION = '${v}';\n`);
  const version = async () => JSON.parse((await httpGet(apiPort, '/')).body).version as string;
  const sentinelFile = () => join(api, 'src', 'sentinel.mjs');
  /**
   * Proves that nothing more is coming without a sleep: writes a sentinel source file and waits for the
   * restart it causes, which comes after every batch before it. Returns the sentinel restart's event index;
   * that restart must carry the sentinel alone, or something had been held back and joined it.
   */
  async function sentinel(): Promise<number> {
    const at = dev.events.length;
    writeFileSync(sentinelFile(), `export const at = ${at};\n`);
    const start = await dev.waitFor(
      (e): e is Extract<BerthEvent, { type: 'dev.action' }> =>
        dev.isAction('demo-api', 'start')(e) && e.files.includes(sentinelFile()),
      { after: at },
    );
    expect(start.files).toEqual([sentinelFile()]);
    const index = dev.events.indexOf(start);
    await dev.waitFor(dev.isAction('demo-api', 'done'), { after: index });
    return index;
  }
  /** Restarts of a service that began between two event indexes. */
  const startsBetween = (service: string, from: number, to: number) =>
    dev.actions(service, 'start', from).filter((e) => dev.events.indexOf(e) < to);

  beforeAll(async () => {
    await purge(project);
    cpSync(join(repoRoot, 'profiles', 'services', 'demo', 'api'), api, { recursive: true });
    mkdirSync(join(api, 'assets'));
    writeEnv();
    apiPort = await freePort();
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
      // A quiet window wide enough that a machine too busy to read inotify for a moment does not split a
      // burst in two: these tests count restarts, and must not depend on how fast the machine is.
      '--quiet-ms',
      '1000',
    ];
    dev = startDev(args, state);
    await dev.waitFor((e): e is never => e.type === 'dev.watching', { timeoutMs: 240_000 });
  });
  afterAll(async () => {
    dev?.child.kill('SIGKILL');
    await purge(project);
  });

  it('restarts only the API on a source edit, and the new code answers', async () => {
    const before = await byService(project);
    const mark = dev.events.length;
    setVersion('2');
    const done = await dev.waitFor(dev.isAction('demo-api', 'done'), { after: mark });
    expect(done.action).toBe('restart');
    expect(done.latencyMs).toBeGreaterThan(0);
    expect(await version()).toBe('2');
    const after = await byService(project);
    expect(after['demo-api']!.startedAt).not.toBe(before['demo-api']!.startedAt);
    expect(after['demo-cache']).toEqual(before['demo-cache']);
    expect(after['demo-proxy']).toEqual(before['demo-proxy']);
  });

  it('ignores ignored files: a sentinel write after them causes exactly one restart, for the sentinel', async () => {
    const mark = dev.events.length;
    writeFileSync(join(api, 'src', 'server.test.mjs'), '// ignored by the rule\n');
    writeFileSync(join(api, 'src', '.server.mjs.swp'), 'editor swap');
    mkdirSync(join(api, 'node_modules', 'left-pad'), { recursive: true });
    writeFileSync(join(api, 'node_modules', 'left-pad', 'index.mjs'), 'export default 1;\n');
    writeFileSync(join(api, 'README.md'), 'matches no rule\n');
    // This one matches the rule's glob (src/**/*.mjs): only the always-ignored node_modules can stop it.
    mkdirSync(join(api, 'src', 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(api, 'src', 'node_modules', 'dep', 'index.mjs'), 'export default 2;\n');
    setVersion('3');
    await dev.waitFor(dev.isAction('demo-api', 'done'), { after: mark });
    const starts = startsBetween('demo-api', mark, await sentinel());
    expect(starts).toHaveLength(1);
    expect(starts[0]!.files).toEqual([join(api, 'src', 'version.mjs')]);
  });

  it('restarts once for a burst of 1,000 files', async () => {
    const mark = dev.events.length;
    mkdirSync(join(api, 'src', 'gen'));
    for (let i = 0; i < 1000; i++) writeFileSync(join(api, 'src', 'gen', `f${i}.mjs`), `export const n = ${i};\n`);
    await dev.waitFor(dev.isAction('demo-api', 'done'), { after: mark });
    const end = await sentinel();
    expect(startsBetween('demo-api', mark, end)).toHaveLength(1);
    expect(startsBetween('demo-api', mark, end)[0]!.files.length).toBe(1000);
    expect(startsBetween('demo-cache', mark, end)).toHaveLength(0);
  });

  it('restarts once for the same 1,000 files written slowly, slower than the burst threshold per cap', async () => {
    const mark = dev.events.length;
    mkdirSync(join(api, 'src', 'slow'));
    // About 100 files a second: fewer than the burst threshold (200) reach berth before the cap (2 s).
    for (let i = 0; i < 1000; i++) {
      writeFileSync(join(api, 'src', 'slow', `f${i}.mjs`), `export const n = ${i};\n`);
      await sleep(10);
    }
    await dev.waitFor(dev.isAction('demo-api', 'done'), { after: mark });
    const end = await sentinel();
    const starts = startsBetween('demo-api', mark, end);
    expect(starts).toHaveLength(1);
    expect(starts[0]!.files.length).toBe(1000);
    expect(dev.events.slice(mark, end).some((e) => e.type === 'dev.settling')).toBe(true);
  });

  it('coalesces changes made during a restart into exactly one follow-up', async () => {
    const mark = dev.events.length;
    setVersion('4');
    await dev.waitFor(dev.isAction('demo-api', 'start'), { after: mark });
    setVersion('5');
    await sleep(30);
    writeFileSync(join(api, 'src', 'extra.mjs'), 'export const x = 1;\n');
    await sleep(30);
    setVersion('6');
    const first = await dev.waitFor(dev.isAction('demo-api', 'done'), { after: mark });
    const second = await dev.waitFor(dev.isAction('demo-api', 'done'), { after: dev.events.indexOf(first) + 1 });
    expect(startsBetween('demo-api', mark, await sentinel())).toHaveLength(2);
    expect(second.files.sort()).toEqual([join(api, 'src', 'extra.mjs'), join(api, 'src', 'version.mjs')]);
    expect(await version()).toBe('6');
  });

  it('syncs an asset into the container without restarting it', async () => {
    const before = (await byService(project))['demo-api']!;
    const mark = dev.events.length;
    writeFileSync(join(api, 'assets', 'hello.txt'), 'synced\n');
    const done = await dev.waitFor(dev.isAction('demo-api', 'done'), { after: mark });
    expect(done.action).toBe('sync');
    const cat = await berth(['exec', 'demo-api', '--project', project, '--', 'cat', '/srv/api/assets/hello.txt'], {
      state,
    });
    expect(cat.stdout).toBe('synced');
    expect((await byService(project))['demo-api']).toEqual(before);
  });

  it('reports a change that breaks the service, keeps watching, and recovers on the fixing save', async () => {
    const server = join(api, 'src', 'server.mjs');
    const good = readFileSync(server, 'utf8');
    const mark = dev.events.length;
    writeFileSync(server, good + '\nthis is not javascript(\n');
    const failed = await dev.waitFor(dev.isAction('demo-api', 'failed'), { after: mark });
    expect(failed.output).toMatch(/service demo-api: (exited with code|health check never passed)/);
    expect(failed.logs?.join('\n')).toContain('SyntaxError');
    const fixMark = dev.events.length;
    writeFileSync(server, good);
    const done = await dev.waitFor(dev.isAction('demo-api', 'done'), { after: fixMark });
    expect(done.action).toBe('restart');
    expect(await version()).toBe('6');
  });

  it('rebuilds and recreates on a rebuild rule', async () => {
    const before = await byService(project);
    const imageBefore = (await docker.getImage('berth-test/dev-api:latest').inspect()).Id;
    const mark = dev.events.length;
    appendFileSync(join(api, 'Dockerfile'), `LABEL org.berth.test-rebuild="${Date.now()}"\n`);
    const done = await dev.waitFor(dev.isAction('demo-api', 'done'), { after: mark, timeoutMs: 120_000 });
    expect(done.action).toBe('rebuild');
    expect((await docker.getImage('berth-test/dev-api:latest').inspect()).Id).not.toBe(imageBefore);
    const after = await byService(project);
    expect(after['demo-api']!.id).not.toBe(before['demo-api']!.id);
    expect(after['demo-cache']).toEqual(before['demo-cache']);
  });

  it('applies a profile edit by recreating only the changed service', async () => {
    const before = await byService(project);
    const mark = dev.events.length;
    writeEnv({ debug: true });
    const reload = await dev.waitFor((e): e is Extract<typeof e, { type: 'dev.reload' }> => e.type === 'dev.reload', {
      after: mark,
    });
    expect(reload.ok).toBe(true);
    const after = await byService(project);
    expect(after['demo-api']!.id).not.toBe(before['demo-api']!.id);
    expect(after['demo-cache']).toEqual(before['demo-cache']);
    expect(after['demo-proxy']).toEqual(before['demo-proxy']);
  });

  it('restarts declared dependents after the service is healthy, in dependency order', async () => {
    const mark = dev.events.length;
    writeEnv({ debug: true, dependents: true });
    await dev.waitFor((e): e is Extract<typeof e, { type: 'dev.reload' }> => e.type === 'dev.reload', { after: mark });
    const before = await byService(project);
    const editMark = dev.events.length;
    setVersion('7');
    const depDone = await dev.waitFor(dev.isAction('demo-proxy', 'done'), { after: editMark });
    expect(depDone.action).toBe('restart-dependent');
    const apiDone = dev.actions('demo-api', 'done', editMark)[0]!;
    const proxyStart = dev.actions('demo-proxy', 'start', editMark)[0]!;
    expect(dev.events.indexOf(proxyStart)).toBeGreaterThan(dev.events.indexOf(apiDone));
    const after = await byService(project);
    expect(after['demo-proxy']!.startedAt).not.toBe(before['demo-proxy']!.startedAt);
    expect(after['demo-cache']).toEqual(before['demo-cache']);
  });

  it('Ctrl-C stops watching and leaves the environment running', async () => {
    dev.child.kill('SIGINT');
    const result = await dev.child;
    expect(result.exitCode, dev.output().slice(-2000)).toBe(0);
    const services = await byService(project);
    expect(Object.values(services).every((s) => s.running)).toBe(true);
  });
});
