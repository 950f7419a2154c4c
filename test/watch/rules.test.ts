import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { treeIgnore } from '../../lib/watch/ignore.js';
import { compileRules, matchRules, strongest } from '../../lib/watch/rules.js';

describe('watch rules', () => {
  const rules = compileRules([
    { paths: ['**/*.py'], action: 'restart', ignore: ['tests/**'] },
    { paths: ['templates/**'], action: 'sync', ignore: [] },
    { paths: ['requirements.txt', 'Dockerfile'], action: 'rebuild', ignore: [] },
    { paths: ['**/*.py', '**/*.cfg'], action: 'exec', ignore: [] },
  ]);
  const action = (rel: string) => matchRules(rules, rel)?.rule.action;

  it('picks the strongest matching rule', () => {
    expect(action('nova/api.py')).toBe('restart');
    expect(action('etc/nova.cfg')).toBe('exec');
    expect(action('requirements.txt')).toBe('rebuild');
    expect(action('templates/index.html')).toBe('sync');
  });
  it("honours a rule's ignore, falling back to weaker rules", () => {
    expect(action('tests/test_api.py')).toBe('exec');
  });
  it('matches nothing outside the rules', () => {
    expect(action('README.rst')).toBeUndefined();
  });
  it('orders actions rebuild > restart > exec > sync', () => {
    expect(strongest('sync', 'exec')).toBe('exec');
    expect(strongest('restart', 'exec')).toBe('restart');
    expect(strongest('restart', 'rebuild')).toBe('rebuild');
    expect(strongest(undefined, 'sync')).toBe('sync');
  });
});

describe('treeIgnore', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-ignore-'));
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(join(root, '.gitignore'), '*.pyc\n/build/\ndist\n!keep.pyc\n');
  writeFileSync(join(root, '.dockerignore'), 'docs/**\n');
  const ignored = treeIgnore(root, ['**/*.log']);

  it('applies .gitignore (anchored, unanchored, negated) and .dockerignore', () => {
    expect(ignored('a/b.pyc')).toBe(true);
    expect(ignored('keep.pyc')).toBe(false);
    expect(ignored('build', true)).toBe(true);
    expect(ignored('sub/build/x.py')).toBe(false);
    expect(ignored('sub/dist/x.py')).toBe(true);
    expect(ignored('docs/index.md')).toBe(true);
    expect(ignored('x.log')).toBe(true);
  });
  it('always ignores VCS and dependency directories, and editor temp files', () => {
    expect(ignored('.git', true)).toBe(true);
    expect(ignored('.git/HEAD')).toBe(true);
    expect(ignored('node_modules', true)).toBe(true);
    expect(ignored('pkg/.tox/x')).toBe(true);
    expect(ignored('src/.server.mjs.swp')).toBe(true);
    expect(ignored('src/server.mjs~')).toBe(true);
    expect(ignored('src/4913')).toBe(true);
    expect(ignored('src/server.mjs')).toBe(false);
  });
});
