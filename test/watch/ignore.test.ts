import { describe, expect, it } from 'vitest';
import ignore from 'ignore';
import { boundedCache, treeIgnore } from '../../lib/watch/ignore.js';
import { profileTree } from '../helpers/profile-fixture.js';

describe('treeIgnore', () => {
  const t = profileTree({
    'src/.gitignore': 'build/\n*.pyc\n!keep.pyc\n/dist\n',
    'src/.dockerignore': 'docs\n',
  });
  const ignored = treeIgnore(t.path('src'));

  it('reads a trailing slash in .gitignore as directories only', () => {
    expect(ignored('build', true)).toBe(true);
    expect(ignored('pkg/build', true)).toBe(true);
    expect(ignored('build', false)).toBe(false);
  });

  it('matches a bare .gitignore name at any depth, with ! exceptions, and / anchors to the root', () => {
    expect(ignored('a/b/c.pyc')).toBe(true);
    expect(ignored('a/keep.pyc')).toBe(false);
    expect(ignored('dist', true)).toBe(true);
    expect(ignored('pkg/dist', true)).toBe(false);
  });

  it('reads .dockerignore as the engine does: a name without ** matches at the root only', () => {
    expect(ignored('docs/a.md')).toBe(true);
    expect(ignored('src/docs/a.md')).toBe(false);
  });

  it('always ignores VCS and dependency directories and editor temp files', () => {
    expect(ignored('node_modules', true)).toBe(true);
    expect(ignored('pkg/__pycache__/x.pyc')).toBe(true);
    expect(ignored('api/.server.py.swp')).toBe(true);
    expect(ignored('api/server.py')).toBe(false);
  });
});

describe('boundedCache', () => {
  it('makes the matcher afresh after the limit, with the same answers', () => {
    const made: { cache: () => number }[] = [];
    const check = boundedCache(() => {
      const matcher = ignore().add(['*.pyc', 'build/']);
      // The library's own cache, read to prove it is let go (ignore 7 keeps it as _ignoreCache).
      made.push({ cache: () => Object.keys((matcher as unknown as { _ignoreCache: object })._ignoreCache).length });
      return matcher;
    }, 3);
    const answers = ['a.pyc', 'b.py', 'build/', 'c.pyc', 'd.py', 'build/x', 'e.py'].map(check);
    expect(answers).toEqual([true, false, true, true, false, true, false]);
    expect(made).toHaveLength(3);
    // Each matcher saw three paths (build/x also caches its parent build/), the last one only e.py.
    expect(made.map((m) => m.cache())).toEqual([3, 4, 1]);
  });
});
