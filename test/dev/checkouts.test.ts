import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyCheckouts,
  checkoutTag,
  checkoutVersion,
  otherRelease,
  parseSourceFlags,
} from '../../lib/dev/checkouts.js';
import { withDevMounts } from '../../lib/dev/dev-mounts.js';
import { planBatch, watchedSources } from '../../lib/dev/plan-batch.js';
import { loadProfile } from '../../lib/profile/load.js';

const undercloud = () => loadProfile({ profile: 'undercloud', env: { BERTH_STATE_DIR: '/nonexistent/state' } });

function novaTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-nova-'));
  mkdirSync(join(dir, 'nova', 'tests'), { recursive: true });
  writeFileSync(join(dir, 'nova', '__init__.py'), '');
  return dir;
}

describe('berth dev --source: a checkout feeds every service of its project', () => {
  it('mounts the checkout’s nova/ package in each nova service, and in nothing else', () => {
    const dir = novaTree();
    const profile = withDevMounts(applyCheckouts(undercloud(), parseSourceFlags([`nova=${dir}`])));
    const fed = profile.services.filter((s) =>
      s.volumes.some((v) => v.type === 'bind' && v.source === join(dir, 'nova')),
    );
    expect(fed.map((s) => s.name).sort()).toEqual([
      'nova-api',
      'nova-compute',
      'nova-conductor',
      'nova-db',
      'nova-scheduler',
    ]);
    for (const s of fed)
      expect(s.volumes).toContainEqual(
        expect.objectContaining({ target: '/usr/lib/python3/dist-packages/nova', readOnly: true }),
      );
  });

  it('restarts the running nova services on a .py save, none on tests, and warns on requirements', () => {
    const dir = novaTree();
    const sources = watchedSources(applyCheckouts(undercloud(), { nova: dir }).services);
    const save = (rel: string) => ({ root: dir, rel, kind: 'change' as const, seenAt: 0 });
    expect(
      planBatch([save('nova/compute/manager.py')], sources)
        .map((w) => `${w.service}:${w.action}`)
        .sort(),
    ).toEqual(['nova-api:restart', 'nova-compute:restart', 'nova-conductor:restart', 'nova-scheduler:restart']);
    expect(planBatch([save('nova/tests/unit/test_api.py'), save('doc/source/conf.py')], sources)).toEqual([]);
    const notices = new Set<string>();
    expect(planBatch([save('requirements.txt')], sources, notices)).toEqual([]);
    expect([...notices].join('\n')).toMatch(/^requirements.txt: dependencies come from the image/);
  });

  it('says how to get a tree when the path is missing or is not a checkout of the project', () => {
    expect(() => applyCheckouts(undercloud(), { nova: '/nonexistent/nova' })).toThrow(/no such directory/);
    try {
      applyCheckouts(undercloud(), { nova: '/nonexistent/nova' });
    } catch (e) {
      expect((e as { hint?: string }).hint).toMatch(/berth source nova \/nonexistent\/nova/);
    }
    const empty = mkdtempSync(join(tmpdir(), 'berth-empty-'));
    expect(() => applyCheckouts(undercloud(), { nova: empty })).toThrow(/not a checkout of nova/);
    expect(() => applyCheckouts(undercloud(), { swift: empty })).toThrow(/no service of profile undercloud runs swift/);
    expect(() => parseSourceFlags(['nova'])).toThrow(/expected PROJECT=DIR/);
  });

  it('reads a checkout’s version from its egg-info, as berth source writes it', () => {
    const dir = novaTree();
    mkdirSync(join(dir, 'nova-26.2.0.egg-info'));
    writeFileSync(
      join(dir, 'nova-26.2.0.egg-info', 'PKG-INFO'),
      'Metadata-Version: 1.2\nName: nova\nVersion: 26.2.0\n',
    );
    expect(checkoutVersion(dir)).toBe('26.2.0');
    expect(checkoutVersion(novaTree())).toBeUndefined();
  });

  it('reads a git clone’s nearest tag, and calls only another major version another release', () => {
    const dir = novaTree();
    expect(checkoutTag(dir)).toBeUndefined();
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
        stdio: 'ignore',
      });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'tree');
    expect(checkoutTag(dir)).toBeUndefined();
    git('tag', '26.2.1');
    writeFileSync(join(dir, 'nova', 'later.py'), '');
    git('add', '.');
    git('commit', '-qm', 'after the tag');
    expect(checkoutTag(dir)).toBe('26.2.1');
    expect(otherRelease('26.2.1', '26.2.0')).toBe(false);
    expect(otherRelease('27.0.0', '26.2.0')).toBe(true);
    expect(otherRelease('stable-zed-eol', '26.2.0')).toBe(false);
  });
});

describe('sources: in an environment file', () => {
  it('names checkouts relative to the file, for berth dev (the --source flags go over them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-envsrc-'));
    writeFileSync(join(dir, 'dev.yaml'), 'sources:\n  nova: src/nova\n');
    const profile = loadProfile({
      profile: 'undercloud',
      envFiles: [join(dir, 'dev.yaml')],
      env: { BERTH_STATE_DIR: '/nonexistent/state' },
    });
    expect(profile.checkouts).toEqual({ nova: join(dir, 'src', 'nova') });
  });
});
