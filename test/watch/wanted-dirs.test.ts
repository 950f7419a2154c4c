import { describe, expect, it } from 'vitest';
import type { WatchRule } from '../../lib/profile/model.js';
import { dirWanted } from '../../lib/watch/wanted-dirs.js';

const rule = (paths: string[], ignore: string[] = [], action: WatchRule['action'] = 'restart'): WatchRule => ({
  paths,
  ignore,
  action,
});

describe('which directories a tree’s rules could want', () => {
  const openstack = dirWanted([
    rule(['**/*.py'], ['**/tests/**', 'doc/**', 'releasenotes/**']),
    rule(['requirements.txt', 'setup.cfg'], [], 'warn'),
    rule(['etc/**'], [], 'warn'),
  ]);

  it('prunes directories every rule ignores or cannot reach', () => {
    expect(openstack('nova/tests')).toBe(false);
    expect(openstack('nova/tests/unit/api')).toBe(false);
    expect(openstack('doc')).toBe(false);
    expect(openstack('releasenotes/notes')).toBe(false);
  });

  it('keeps the directories a rule can match under, and the way down to a pattern’s base', () => {
    expect(openstack('nova')).toBe(true);
    expect(openstack('nova/compute')).toBe(true);
    expect(openstack('etc')).toBe(true);
    expect(openstack('etc/nova')).toBe(true);
    const deep = dirWanted([rule(['src/app/**/*.mjs'])]);
    expect(deep('src')).toBe(true);
    expect(deep('src/app/x')).toBe(true);
    expect(deep('assets')).toBe(false);
  });

  it('keeps everything for a rule on every file', () => {
    const all = dirWanted([rule(['**/*'])]);
    expect(all('anything/at/all')).toBe(true);
  });
});
