import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BerthEvent } from '../../lib/events/types.js';
import { berth, byService, freePort, httpGet, purge, stateDir, uniqueProject } from '../helpers/engine.js';
import { startDev } from '../helpers/dev-process.js';

/**
 * berth dev with a real keystone tree: the installed package copied out by `berth source`, a git repository
 * with two branches 40 files apart, mounted into keystone of undercloud-minimal on a real engine.
 */
describe('berth dev --source keystone=DIR (a tree made by berth source)', () => {
  const project = uniqueProject('ksdev');
  const state = stateDir();
  const tree = join(mkdtempSync(join(tmpdir(), 'berth-ks-')), 'keystone');
  const discovery = join(tree, 'keystone', 'api', 'discovery.py');
  let port = 0;
  let args: string[] = [];
  let dev: ReturnType<typeof startDev>;
  const git = (...a: string[]) =>
    execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...a], { cwd: tree });
  const updated = async () => {
    const r = await httpGet(port, '/v3');
    return (JSON.parse(r.body) as { version: { updated: string } }).version.updated;
  };
  const keystoneActions = (phase: 'start' | 'done', from: number, to = Number.MAX_SAFE_INTEGER) =>
    dev.actions('keystone', phase, from).filter((e) => dev.events.indexOf(e) < to);
  /** A save whose action comes after every batch before it: what came before it is all there is. */
  async function sentinel(): Promise<number> {
    const at = dev.events.length;
    const file = join(tree, 'keystone', 'i18n.py');
    appendFileSync(file, `# sentinel ${at}\n`);
    const start = await dev.waitFor(
      (e): e is Extract<BerthEvent, { type: 'dev.action' }> =>
        dev.isAction('keystone', 'start')(e) && e.files.includes(file),
      { after: at, timeoutMs: 120_000 },
    );
    expect(start.files).toEqual([file]);
    await dev.waitFor(dev.isAction('keystone', 'done'), { after: dev.events.indexOf(start), timeoutMs: 120_000 });
    return dev.events.indexOf(start);
  }

  beforeAll(async () => {
    await purge(project);
    port = await freePort();
    args = ['--profile', 'undercloud-minimal', '--project', project, '--param', `keystone_public_port=${port}`];
    for (const name of ['mariadb_port', 'rabbitmq_port', 'memcached_port'])
      args.push('--param', `${name}=${await freePort()}`);
    // The image must be there to copy from: a deploy builds it.
    const deployed = await berth(['deploy', ...args], { state });
    expect(deployed.exitCode, deployed.all).toBe(0);
    const source = await berth(['source', 'keystone', tree, ...args], { state });
    expect(source.exitCode, source.all).toBe(0);
    expect(source.stdout).toMatch(/keystone \d+\.\d+\.\d+ from berth\/keystone:zed, \d+ files in one commit/);
    // A second branch 40 files apart, as a stable branch and a developer's topic branch would be.
    await git('checkout', '-q', '-b', 'topic');
    const { stdout } = await git('ls-files', 'keystone/*.py');
    const files = stdout
      .split('\n')
      .filter((f) => f && !f.includes('/tests/'))
      .slice(0, 40);
    for (const f of files) appendFileSync(join(tree, f), '# topic branch\n');
    await git('commit', '-q', '-am', 'forty files');
    await git('checkout', '-q', 'master');
    dev = startDev(['--source', `keystone=${tree}`, '--quiet-ms', '1000', ...args], state);
    await dev.waitFor((e): e is never => e.type === 'dev.watching', { timeoutMs: 240_000 });
  }, 600_000);
  afterAll(async () => {
    dev?.child.kill('SIGKILL');
    await purge(project);
  });

  it('a save reloads keystone alone, in place, and the changed code answers over HTTP', async () => {
    const before = await byService(project);
    const mark = dev.events.length;
    writeFileSync(discovery, readFileSync(discovery, 'utf8').replace("'2020-04-07T00:00:00Z'", "'berth-dev-edit'"));
    const done = await dev.waitFor(dev.isAction('keystone', 'done'), { after: mark, timeoutMs: 120_000 });
    expect(done.files).toEqual([discovery]);
    expect(await updated()).toBe('berth-dev-edit');
    // In place: uwsgi's workers took the new code, the container was not restarted.
    expect((await byService(project))['keystone']!.startedAt).toBe(before['keystone']!.startedAt);
    const others = dev.events
      .slice(mark)
      .filter((e) => e.type === 'dev.action' && e.service !== 'keystone' && e.phase === 'start');
    expect(others).toEqual([]);
  });

  it('a branch switch 40 files apart is exactly one action, and tests/ edits are none', async () => {
    await git('commit', '-qam', 'the edit above');
    const mark = dev.events.length;
    await git('checkout', '-q', 'topic');
    await dev.waitFor(dev.isAction('keystone', 'done'), { after: mark, timeoutMs: 120_000 });
    appendFileSync(join(tree, 'keystone', 'tests', 'unit', 'test_v3.py'), '# a test edit\n');
    const end = await sentinel();
    const starts = keystoneActions('start', mark, end);
    expect(starts).toHaveLength(1);
    expect(starts[0]!.files.length).toBeGreaterThanOrEqual(40);
    expect(starts[0]!.files.some((f) => f.includes('/tests/'))).toBe(false);
    expect(dev.events.slice(mark).filter((e) => e.type === 'dev.action' && e.service !== 'keystone')).toEqual([]);
  });

  it('a save of a module no keystone process imported leaves it running; a module it imported reloads it', async () => {
    const mark = dev.events.length;
    // A new module: nothing imported it, so the workers would read it from disk when something first does.
    const unused = join(tree, 'keystone', 'berth_unused.py');
    writeFileSync(unused, 'VALUE = 1\n');
    const left = await dev.waitFor(
      (e): e is Extract<BerthEvent, { type: 'dev.unaffected' }> =>
        e.type === 'dev.unaffected' && e.service === 'keystone',
      { after: mark, timeoutMs: 60_000 },
    );
    expect(left.files).toEqual([unused]);
    // keystone.i18n is imported by every worker: its save reloads keystone, and nothing acted before it.
    const end = await sentinel();
    expect(keystoneActions('start', mark, end)).toEqual([]);
  });
});
