import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { BerthError } from '../errors.js';

export interface Tree {
  root: string;
  ignored: (rel: string, isDir?: boolean) => boolean;
}

export interface FileEvent {
  root: string;
  rel: string;
  kind: 'add' | 'change' | 'unlink';
  /** performance.now() when the event was seen. */
  seenAt: number;
}

/** Directories a tree will cost in inotify watches: ignored ones are pruned, exactly as the watcher will. */
export function countWatchedDirectories(tree: Tree): number {
  let count = 0;
  const walk = (dir: string) => {
    count++;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const abs = join(dir, entry.name);
      if (!tree.ignored(relative(tree.root, abs).split(sep).join('/'), true)) walk(abs);
    }
  };
  walk(tree.root);
  return count;
}

export function maxUserWatches(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Fail before watching when the trees would exhaust inotify, with the command that raises the limit. */
export function checkInotifyBudget(needed: number, max = maxUserWatches()): void {
  if (max !== undefined && needed > max * 0.9) {
    throw new BerthError(
      `watching needs about ${needed} inotify watches but fs.inotify.max_user_watches is ${max}`,
      `Raise it: sudo sysctl -w fs.inotify.max_user_watches=${Math.max(524288, needed * 2)} (add it to /etc/sysctl.d/ to keep it), or ignore more directories in .gitignore/.dockerignore or the rule's ignore.`,
    );
  }
}

/** The .git/HEAD a tree's checkout switches branches through, if the tree is in a git checkout. */
export function gitHeadOf(root: string): string | undefined {
  for (let dir = root; ; dir = dirname(dir)) {
    const head = join(dir, '.git', 'HEAD');
    if (existsSync(head)) return head;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Watches source trees with chokidar. Ignored directories are pruned when watches are registered
 * (chokidar's `ignored` is asked before it descends), so node_modules or .tox cost nothing.
 */
export class TreeWatcher {
  private watchers: FSWatcher[] = [];

  constructor(
    private readonly trees: readonly Tree[],
    private readonly onEvent: (e: FileEvent) => void,
    private readonly onHeadChange: (head: string) => void,
  ) {}

  async start(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (const tree of this.trees) {
      const w = watch(tree.root, {
        ignoreInitial: true,
        atomic: false,
        ignored: (path: string, stats?: { isDirectory(): boolean }) => {
          const rel = relative(tree.root, path).split(sep).join('/');
          if (rel.startsWith('..')) return false;
          return tree.ignored(rel, stats?.isDirectory() ?? isDir(path));
        },
      });
      for (const kind of ['add', 'change', 'unlink'] as const) {
        w.on(kind, (path: string) => this.onEvent({ root: tree.root, rel: relative(tree.root, path).split(sep).join('/'), kind, seenAt: performance.now() }));
      }
      ready.push(new Promise((resolve) => w.once('ready', () => resolve())));
      this.watchers.push(w);
    }
    const heads = [...new Set(this.trees.map((t) => gitHeadOf(t.root)).filter((h): h is string => Boolean(h)))];
    if (heads.length) {
      const w = watch(heads, { ignoreInitial: true });
      w.on('change', (path: string) => this.onHeadChange(path));
      ready.push(new Promise((resolve) => w.once('ready', () => resolve())));
      this.watchers.push(w);
    }
    await Promise.all(ready);
  }

  async close(): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.close()));
    this.watchers = [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
