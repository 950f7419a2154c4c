import { describe, expect, it } from 'vitest';
import { treeIgnore } from '../../lib/watch/ignore.js';
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
