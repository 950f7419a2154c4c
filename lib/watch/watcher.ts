import { existsSync, readdirSync, readFileSync, statSync, watch as fsWatch } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { watch } from 'chokidar';
import { BerthError } from '../errors.js';
import { DirectoryWatcher } from './dir-watcher.js';

export interface Tree {
  root: string;
  /** Whether a path (relative to root) is left out; a directory left out is not descended into. */
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
      `Raise it: sudo sysctl -w fs.inotify.max_user_watches=${Math.max(524288, needed * 2)} (add it to ` +
        "/etc/sysctl.d/ to keep it), or ignore more directories in .gitignore/.dockerignore or the rule's ignore.",
    );
  }
}

/** The .git directory of the checkout a tree is in, if it is in one. */
export function gitDirOf(root: string): string | undefined {
  for (let dir = root; ; dir = dirname(dir)) {
    const git = join(dir, '.git');
    if (existsSync(join(git, 'HEAD'))) return git;
    if (dirname(dir) === dir) return undefined;
  }
}

/** What a checkout, merge, rebase or stash rewrites in .git: a change to any of them settles the batch. */
export const GIT_CHECKOUT_FILES = ['HEAD', 'index', 'ORIG_HEAD'];

/**
 * Which watcher backend berth dev uses: one fs.watch (inotify) per directory by default; chokidar with
 * polling (BERTH_WATCH=poll) where inotify sees nothing, as on some shared and network filesystems; plain
 * chokidar (BERTH_WATCH=chokidar), which watches every file as well, for comparison.
 */
export type WatchBackend = 'directories' | 'poll' | 'chokidar';

export function watchBackend(env: NodeJS.ProcessEnv = process.env): WatchBackend {
  const v = env.BERTH_WATCH;
  if (v === 'poll' || v === 'chokidar') return v;
  return 'directories';
}

/**
 * Watches source trees, pruning ignored directories before they are watched (node_modules, .tox, and
 * directories no rule wants cost nothing), and each checkout's .git for the files a checkout, merge,
 * rebase or stash rewrites.
 */
export class TreeWatcher {
  private closers: (() => Promise<void> | void)[] = [];
  private dirWatchers: DirectoryWatcher[] = [];

  constructor(
    private readonly trees: readonly Tree[],
    private readonly onEvent: (e: FileEvent) => void,
    private readonly onHeadChange: (head: string) => void,
    private readonly backend: WatchBackend = watchBackend(),
  ) {}

  /** inotify watches this process holds for the trees and .git directories (directories backend). */
  get watchCount(): number {
    return this.dirWatchers.reduce((n, w) => n + w.watchCount, 0) + this.gitWatches;
  }

  private gitWatches = 0;

  async start(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (const tree of this.trees) {
      if (this.backend === 'directories') {
        const w = new DirectoryWatcher(tree, this.onEvent);
        w.start();
        this.dirWatchers.push(w);
        this.closers.push(() => w.close());
        continue;
      }
      const w = watch(tree.root, {
        ignoreInitial: true,
        atomic: false,
        usePolling: this.backend === 'poll',
        ignored: (path: string, stats?: { isDirectory(): boolean }) => {
          const rel = relative(tree.root, path).split(sep).join('/');
          if (rel.startsWith('..')) return false;
          return tree.ignored(rel, stats?.isDirectory() ?? isDir(path));
        },
      });
      for (const kind of ['add', 'change', 'unlink'] as const) {
        w.on(kind, (path: string) =>
          this.onEvent({
            root: tree.root,
            rel: relative(tree.root, path).split(sep).join('/'),
            kind,
            seenAt: performance.now(),
          }),
        );
      }
      ready.push(new Promise((resolve) => w.once('ready', () => resolve())));
      this.closers.push(() => w.close());
    }
    // One watch per .git directory, not per file: ORIG_HEAD and index come and go by rename.
    for (const gitDir of new Set(this.trees.map((t) => gitDirOf(t.root)).filter((h): h is string => Boolean(h)))) {
      const w = fsWatch(gitDir, { persistent: true }, (_type, name) => {
        if (name && GIT_CHECKOUT_FILES.includes(String(name))) this.onHeadChange(join(gitDir, String(name)));
      });
      w.on('error', () => undefined);
      this.gitWatches++;
      this.closers.push(() => w.close());
    }
    await Promise.all(ready);
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.map((c) => c()));
    this.closers = [];
    this.dirWatchers = [];
    this.gitWatches = 0;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
