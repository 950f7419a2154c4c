import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BerthError } from '../../lib/errors.js';
import { treeIgnore } from '../../lib/watch/ignore.js';
import { checkInotifyBudget, countWatchedDirectories } from '../../lib/watch/watcher.js';

describe('inotify budget', () => {
  it('counts only directories that will be watched: ignored ones are pruned with their subtrees', () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-count-'));
    for (const d of ['a/b', 'a/c', 'node_modules/x/y/z', '.git/objects/aa', '.tox/py3/lib', 'build/out'])
      mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, '.gitignore'), 'build/\n');
    expect(countWatchedDirectories({ root, ignored: treeIgnore(root) })).toBe(4); // root, a, a/b, a/c
  });
  it('refuses to start when the trees would exhaust the limit, and says how to raise it', () => {
    expect(() => checkInotifyBudget(950, 1000)).toThrow(BerthError);
    try {
      checkInotifyBudget(950, 1000);
    } catch (e) {
      expect((e as BerthError).hint).toContain('sysctl -w fs.inotify.max_user_watches=');
    }
    expect(() => checkInotifyBudget(100, 1000)).not.toThrow();
  });
});
