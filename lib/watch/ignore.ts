import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerignore } from '../runtime/docker/dockerignore.js';
import ignore from 'ignore';

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
 * One tree's ignore decision, on paths relative to the tree's root: the root's .gitignore (gitignore
 * semantics, by the `ignore` package: a bare name matches at any depth, a trailing `/` only directories)
 * with editor temp files and extra patterns; the root's .dockerignore as the engine reads it; and the
 * always-ignored directories.
 */
export function treeIgnore(root: string, extra: readonly string[] = []): (rel: string, isDir?: boolean) => boolean {
  const gitPatterns = [...EDITOR_TEMP, ...extra, ...readIgnoreFile(join(root, '.gitignore'))];
  const dockerPatterns = readIgnoreFile(join(root, '.dockerignore'));
  const git = boundedCache(() => ignore().add(gitPatterns));
  const docker = boundedCache(() => dockerignore({ ignorecase: false }).add(dockerPatterns));
  const dirs = new Set(ALWAYS_IGNORED_DIRS);
  return (rel, isDir = false) => {
    if (rel === '' || rel === '.') return false;
    if (rel.split('/').some((p) => dirs.has(p))) return true;
    // `ignore` reads a trailing slash as "this is a directory", which directory-only patterns need.
    return git(isDir ? `${rel}/` : rel) || docker(rel);
  };
}

/** Checks a matcher answers before it is made afresh. */
export const IGNORE_CACHE_LIMIT = 4096;

/**
 * Both ignore libraries remember every path they were asked about, for good: on a tree of 100,000 files a
 * `berth dev` held about 10 MB of paths in their two caches. Making the matcher afresh every few thousand checks
 * (its patterns compile in microseconds) keeps what a cache is good for, the parent directories of the paths
 * asked about next, and bounds the rest.
 */
export function boundedCache(
  make: () => { ignores(path: string): boolean },
  limit = IGNORE_CACHE_LIMIT,
): (path: string) => boolean {
  let matcher = make();
  let checks = 0;
  return (path) => {
    if (++checks > limit) {
      matcher = make();
      checks = 1;
    }
    return matcher.ignores(path);
  };
}

function readIgnoreFile(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}
