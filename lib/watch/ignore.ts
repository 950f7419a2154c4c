import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';

/** Files editors write next to the real one while saving; never a reason to restart anything. */
export const EDITOR_TEMP = [
  '**/*.swp',
  '**/*.swx',
  '**/*.swo',
  '**/*~',
  '**/.#*',
  '**/#*#',
  '**/4913',
  '**/*.tmp',
  '**/.DS_Store',
];

/** Directories that are never worth a watch: VCS metadata and dependency or tool caches. */
export const ALWAYS_IGNORED_DIRS = [
  '.git',
  'node_modules',
  '.tox',
  '.venv',
  'venv',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.eggs',
];

/**
 * One tree's ignore decision, on paths relative to the tree's root: .gitignore and .dockerignore
 * of the root, editor temp files, the always-ignored directories, and extra patterns.
 */
export function treeIgnore(root: string, extra: readonly string[] = []): (rel: string, isDir?: boolean) => boolean {
  const patterns = [
    ...EDITOR_TEMP,
    ...extra,
    ...readIgnoreFile(join(root, '.gitignore')),
    ...readIgnoreFile(join(root, '.dockerignore')),
  ];
  const negations = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const positives = patterns.filter((p) => !p.startsWith('!'));
  const match = picomatch(positives.flatMap(expandGitPattern), { dot: true });
  const unignore = negations.length ? picomatch(negations.flatMap(expandGitPattern), { dot: true }) : () => false;
  const dirs = new Set(ALWAYS_IGNORED_DIRS);
  return (rel, isDir = false) => {
    if (rel === '' || rel === '.') return false;
    const parts = rel.split('/');
    if (parts.some((p) => dirs.has(p))) return true;
    const candidate = isDir ? `${rel}/` : rel;
    return (match(rel) || match(candidate)) && !unignore(rel);
  };
}

function readIgnoreFile(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** gitignore semantics in glob terms: a bare name matches at any depth; a trailing / means a directory. */
export function expandGitPattern(pattern: string): string[] {
  let p = pattern.replace(/\/+$/, '');
  const anchored = p.startsWith('/') || p.includes('/');
  p = p.replace(/^\/+/, '');
  const base = anchored ? p : `**/${p}`;
  return [base, `${base}/**`];
}
