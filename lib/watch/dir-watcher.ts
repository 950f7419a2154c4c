import { watch as fsWatch, readdirSync, statSync, type Dirent, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { FileEvent, Tree } from './watcher.js';

/**
 * One inotify watch per directory, and none on directories the tree prunes: on Linux a directory's watch
 * reports every file in it, so watching files one by one (chokidar's way, 764 watches for 145 directories
 * of a keystone tree) only spends the user's watch budget. New directories are walked and watched as they
 * appear (their files reported as added); removed ones are let go.
 */
export class DirectoryWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly files = new Set<string>();

  constructor(
    private readonly tree: Tree,
    private readonly onEvent: (e: FileEvent) => void,
    // A seam for the test that writes a file in the gap right after a directory is read.
    private readonly readDir: (abs: string) => Dirent[] = (abs) => readdirSync(abs, { withFileTypes: true }),
  ) {}

  /** Watches every directory the tree keeps, synchronously: a save right after start() is seen. */
  start(): void {
    this.walk('', false);
  }

  get watchCount(): number {
    return this.watchers.size;
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private walk(relDir: string, report: boolean): void {
    const abs = relDir ? join(this.tree.root, relDir) : this.tree.root;
    // Watch before reading: a file created between the two is then reported by the watch, where the other
    // order lost it (a 1,000-file burst into a new directory reached berth as 997 files).
    if (!this.watchDir(relDir, abs)) return;
    let entries;
    try {
      entries = this.readDir(abs);
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!this.tree.ignored(rel, true)) this.walk(rel, report);
      } else if (!this.tree.ignored(rel, false)) {
        this.files.add(rel);
        if (report) this.emit(rel, 'add');
      }
    }
  }

  private watchDir(relDir: string, abs: string): boolean {
    if (this.watchers.has(relDir)) return true;
    try {
      const w = fsWatch(abs, { persistent: true }, (_type, name) => {
        if (name) this.changed(relDir ? `${relDir}/${name}` : String(name));
      });
      // The directory went away (or became unreadable): its watch goes, its files were reported by its parent.
      w.on('error', () => this.forgetDir(relDir));
      this.watchers.set(relDir, w);
      return true;
    } catch {
      // Removed before it could be watched (or never a directory): its parent's event reports it.
      return false;
    }
  }

  private changed(rel: string): void {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(join(this.tree.root, rel)).isDirectory();
    } catch {
      isDir = undefined;
    }
    if (isDir === undefined) {
      if (this.watchers.has(rel)) return this.forgetDir(rel);
      if (this.files.delete(rel)) this.emit(rel, 'unlink');
      return;
    }
    if (this.tree.ignored(rel, isDir)) return;
    if (isDir) return this.walk(rel, true);
    const known = this.files.has(rel);
    this.files.add(rel);
    this.emit(rel, known ? 'change' : 'add');
  }

  private forgetDir(relDir: string): void {
    for (const [dir, w] of this.watchers)
      if (dir === relDir || dir.startsWith(`${relDir}/`)) {
        w.close();
        this.watchers.delete(dir);
      }
    for (const file of this.files)
      if (file.startsWith(`${relDir}/`)) {
        this.files.delete(file);
        this.emit(file, 'unlink');
      }
  }

  private emit(rel: string, kind: FileEvent['kind']): void {
    this.onEvent({ root: this.tree.root, rel, kind, seenAt: performance.now() });
  }
}
