import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryWatcher } from '../../lib/watch/dir-watcher.js';
import type { FileEvent } from '../../lib/watch/watcher.js';

/** Events a watcher reported, and a wait for the next one matching (no sleeps: the event itself ends it). */
function recorder() {
  const events: FileEvent[] = [];
  const waiters: { pred: (e: FileEvent) => boolean; resolve: (e: FileEvent) => void }[] = [];
  const onEvent = (e: FileEvent) => {
    events.push(e);
    for (const w of [...waiters])
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
  };
  const next = (pred: (e: FileEvent) => boolean) =>
    new Promise<FileEvent>((resolve) => {
      const seen = events.find(pred);
      if (seen) resolve(seen);
      else waiters.push({ pred, resolve });
    });
  return { events, onEvent, next };
}

describe('the directories watcher (one inotify watch per directory)', () => {
  let watcher: DirectoryWatcher | undefined;
  afterEach(() => watcher?.close());

  it('holds a watch per directory kept, none for pruned ones, and reports saves in them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-dirw-'));
    for (const d of ['pkg/a', 'pkg/b', 'pkg/tests/unit', 'node_modules/x'])
      mkdirSync(join(root, d), { recursive: true });
    for (const f of ['pkg/a/one.py', 'pkg/a/two.py', 'pkg/b/three.py']) writeFileSync(join(root, f), '');
    const r = recorder();
    watcher = new DirectoryWatcher(
      { root, ignored: (rel, isDir) => Boolean(isDir) && /(^|\/)(tests|node_modules)$/.test(rel) },
      r.onEvent,
    );
    watcher.start();
    expect(watcher.watchCount).toBe(4); // root, pkg, pkg/a, pkg/b: not tests/ or node_modules/
    writeFileSync(join(root, 'pkg/a/one.py'), 'x = 1\n');
    expect(await r.next((e) => e.rel === 'pkg/a/one.py')).toMatchObject({ root, kind: 'change' });
  });

  it('watches a directory made after it started and reports the files written into it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-dirw-'));
    const r = recorder();
    watcher = new DirectoryWatcher({ root, ignored: () => false }, r.onEvent);
    watcher.start();
    mkdirSync(join(root, 'new/deeper'), { recursive: true });
    writeFileSync(join(root, 'new/deeper/file.py'), '');
    expect(await r.next((e) => e.rel === 'new/deeper/file.py')).toMatchObject({ kind: 'add' });
    // The new directories are watched now: a later save in them is seen too.
    writeFileSync(join(root, 'new/deeper/later.py'), '');
    await r.next((e) => e.rel === 'new/deeper/later.py');
    expect(watcher.watchCount).toBe(3);
    rmSync(join(root, 'new'), { recursive: true });
    await r.next((e) => e.rel === 'new/deeper/later.py' && e.kind === 'unlink');
  });

  it('reports a file written into a new directory just after the directory was read', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-dirw-'));
    const r = recorder();
    // The gap a burst of writes falls into: the directory is listed, then a file lands before the next step.
    const readDir = (abs: string) => {
      const entries = readdirSync(abs, { withFileTypes: true });
      if (abs.endsWith('/burst')) writeFileSync(join(abs, 'late.py'), '');
      return entries;
    };
    watcher = new DirectoryWatcher({ root, ignored: () => false }, r.onEvent, readDir);
    watcher.start();
    mkdirSync(join(root, 'burst'));
    writeFileSync(join(root, 'burst/first.py'), '');
    await r.next((e) => e.rel === 'burst/first.py');
    // inotify reports one directory's events in order: once the sentinel is in, late.py would have been too.
    writeFileSync(join(root, 'burst/sentinel.py'), '');
    await r.next((e) => e.rel === 'burst/sentinel.py');
    expect(r.events.map((e) => e.rel)).toContain('burst/late.py');
  });
});
