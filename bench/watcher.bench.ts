/**
 * Issue 14's watcher target on a tree of 100,000 files in 10,000 directories, half of them under tests/
 * directories the rule ignores: ready ≤ 1 s, the watching process ≤ 100 MB RSS, 0 watches on ignored
 * directories, a change seen ≤ 20 ms. Side by side, each in a fresh process of its own, on the same tree:
 *   berth      — the directories backend (one fs.watch per directory kept, rule-pruned);
 *   chokidar   — chokidar 5 with its defaults and the same ignore function;
 *   floor      — one bare fs.watch per kept directory, nothing else.
 * Each runs under tsx (about 48 MB of its RSS here). Then the figure the target is about: a real `berth dev --json`
 * process (node on dist/, no tsx) on the demo profile with the same tree as a source of demo-api, its RSS and watches
 * read from /proc once it says it watches.
 * Watches are counted from the process's inotify fdinfo, not estimated.
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { devEvents } from './dev-events.js';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, watch as fsWatch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watch } from 'chokidar';
import { TreeWatcher } from '../lib/watch/watcher.js';
import { dirWanted } from '../lib/watch/wanted-dirs.js';

const DIRS = Number(process.env.BENCH_DIRS ?? 10_000);
const FILES_PER_DIR = 10;
const rules = [{ paths: ['**/*.py'], action: 'restart' as const, ignore: ['**/tests/**'] }];
const wanted = dirWanted(rules);
const ignored = (rel: string, isDir = false) => isDir && rel !== '' && !wanted(rel);

function inotifyWatches(pid: number | 'self' = 'self'): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      n += (readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').match(/^inotify wd:/gm) ?? []).length;
    } catch {
      // an fd closed while listing
    }
  }
  return n;
}

async function child(backend: string, root: string): Promise<void> {
  let resolveSeen: (() => void) | undefined;
  const onEvent = (rel: string) => {
    if (rel.endsWith('probe.py')) resolveSeen?.();
  };
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  if (backend === 'berth') {
    const w = new TreeWatcher(
      [{ root, ignored }],
      (e) => onEvent(e.rel),
      () => undefined,
      'directories',
    );
    await w.start();
  } else if (backend === 'chokidar') {
    const w = watch(root, {
      ignoreInitial: true,
      ignored: (path: string, stats?: { isDirectory(): boolean }) =>
        Boolean(stats?.isDirectory()) && ignored(path.slice(root.length + 1), true),
    });
    w.on('all', (_kind, path: string) => onEvent(path));
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  } else {
    const walk = (rel: string) => {
      const abs = rel ? join(root, rel) : root;
      fsWatch(abs, (_t, name) => onEvent(String(name)));
      for (const e of readdirSync(abs, { withFileTypes: true }))
        if (e.isDirectory()) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (!ignored(r, true)) walk(r);
        }
    };
    walk('');
  }
  const readyMs = performance.now() - t0;
  const latencies: number[] = [];
  let missed = 0;
  for (let i = 0; i < 20; i++) {
    // A change never reported counts as missed (5 s), so a backend that stops seeing saves still finishes.
    const seen = new Promise<boolean>((resolve) => {
      resolveSeen = () => resolve(true);
      setTimeout(() => resolve(false), 5000);
    });
    const t = performance.now();
    writeFileSync(join(root, 'd0', 'pkg', 'probe.py'), `x = ${i}\n`);
    if (await seen) latencies.push(performance.now() - t);
    else missed++;
  }
  latencies.sort((a, b) => a - b);
  const out = {
    readyMs,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    watchingMb: (process.memoryUsage().rss - rssBefore) / 2 ** 20,
    watches: inotifyWatches(),
    changeP50Ms: latencies[Math.floor(latencies.length / 2)] ?? NaN,
    changeMaxMs: latencies.at(-1) ?? NaN,
    missed,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!);
} else {
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-watch-'));
  // Half the directories are tests/ trees the rule ignores.
  for (let d = 0; d < DIRS / 2; d++) {
    for (const sub of ['pkg', 'tests']) {
      const dir = join(root, `d${d}`, sub);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < FILES_PER_DIR; f++) writeFileSync(join(dir, `f${f}.py`), '');
    }
  }
  const keptDirs = 1 + DIRS / 2 + DIRS / 2; // root, each d<n>, each d<n>/pkg
  console.log(`tree: ${DIRS} leaf directories, ${DIRS * FILES_PER_DIR} files, half under ignored tests/ (${root})`);
  console.log(`directories a watcher should keep: ${keptDirs}; ignored tests/ directories: ${DIRS / 2}\n`);
  console.log('backend    ready     RSS (of it watching)   inotify watches   change p50 / max');
  for (const backend of ['berth', 'chokidar', 'floor']) {
    const line = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', backend, root], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const r = JSON.parse(line.trim().split('\n').at(-1)!) as Record<string, number>;
    console.log(
      `${backend.padEnd(10)} ${(r.readyMs! / 1000).toFixed(2).padStart(5)} s  ${r.rssMb!.toFixed(0).padStart(4)} MB ` +
        `(${r.watchingMb!.toFixed(0).padStart(3)} MB)        ` +
        `${String(r.watches).padStart(8)}          ${r.changeP50Ms!.toFixed(1)} / ${r.changeMaxMs!.toFixed(1)} ms` +
        (r.missed ? ` (${r.missed} of 20 saves never reported)` : ''),
    );
  }
  await wholeProcess(root);
  console.log(
    '\ntargets (berth): ready ≤ 1 s, RSS ≤ 100 MB, watches = kept directories (0 on ignored), change ≤ 20 ms',
  );
}

/** A field of /proc/<pid>/status, in kB. */
function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
}

/**
 * A real `berth dev` on the demo profile, the tree mounted into demo-api and watched by the same rule. Run twice, one
 * after the other on the same tree: as `berth` starts (dist/cli/main.js run directly: its first line hands node the
 * flags it needs), and as `node dist/cli/main.js`, which skips that line.
 */
async function wholeProcess(root: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-watch-dev-'));
  const envFile = join(work, 'big-tree.yaml');
  writeFileSync(
    envFile,
    `services:
  demo-api:
    dev:
      sources+: [{ path: ${root}, target: /big }]
      rules: [{ paths: ['**/*.py', '**/*.mjs'], action: restart, ignore: ['**/tests/**', '**/*.test.mjs'] }]
`,
  );
  const env = { ...process.env, BERTH_STATE_DIR: join(work, 'state'), CI: 'true' };
  const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
  const args = ['-p', 'demo', '--project', 'bench-watch', '-e', envFile];
  for (const [k, v] of Object.entries({ demo_api_port: 28780, demo_proxy_port: 28781, demo_cache_port: 28782 }))
    args.push('--param', `${k}=${v}`);
  console.log('\nberth dev, the whole process (dev --json, demo profile + this tree), RSS from /proc/<pid>/status:');
  console.log('launched as                 once watching (peak)   idle 90 s later (settled after)   watches held');
  for (const [label, file, argv] of [
    ['dist/cli/main.js (berth)', cli, []],
    ['node dist/cli/main.js', 'node', [cli]],
  ] as const) {
    const dev = execa(file, [...argv, 'dev', '--json', ...args], { env, reject: false });
    const events = await devEvents(dev.stdout!);
    // With `env -S` exec'ing node, the pid is node's own.
    const rssMb = statusKb(dev.pid!, 'VmRSS') / 1024;
    const peakMb = statusKb(dev.pid!, 'VmHWM') / 1024;
    const watching = events.find((e) => e.type === 'dev.watching') as { watches: number } | undefined;
    const held = inotifyWatches(dev.pid!);
    // V8 keeps a heap grown by the deploy and the walk until its memory reducer runs, once the process has been
    // idle a while (about a minute here): what a long-lived watcher holds is what is left then. Read every second.
    const settled: number[] = [];
    for (let s = 1; s <= 90; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      settled.push(statusKb(dev.pid!, 'VmRSS') / 1024);
    }
    const idleMb = settled.at(-1)!;
    const settledAfterS = settled.findIndex((mb) => mb <= idleMb + 1) + 1;
    dev.kill('SIGINT');
    await dev;
    await execa('node', [cli, 'down', '--volumes', ...args], { env, reject: false });
    console.log(
      `${label.padEnd(27)} ${rssMb.toFixed(0).padStart(4)} MB (${peakMb.toFixed(0)} MB)` +
        `${idleMb.toFixed(0).padStart(14)} MB (${settledAfterS} s)` +
        `${String(held).padStart(26)} (it counted ${watching?.watches})`,
    );
  }
}
