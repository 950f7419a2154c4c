import { setTimeout as sleep } from 'node:timers/promises';
/**
 * Save → healthy on the demo API, side by side in one run on the same container (issue 4):
 *   berth dev    — write the source file, until berth reports the API healthy again;
 *   peer         — `docker restart`, then the same health probe (what compose and Tilt users get);
 *   floor        — `docker kill` + `docker start`, then the same probe (the physical minimum).
 * Targets: berth p50 ≤ floor p50 + quiet window + 100 ms; berth's own overhead (last event seen →
 * restart requested) ≤ 20 ms beyond the quiet window.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { BerthEvent } from '../lib/events/types.js';

const EDITS = Number(process.env.BENCH_EDITS ?? 20);
const QUIET_MS = 150;
const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'berth-bench-dev-'));
const api = join(work, 'api');
cpSync(join(root, 'profiles', 'services', 'demo', 'api'), api, { recursive: true });
const envFile = join(work, 'dev.yaml');
writeFileSync(envFile, `services:\n  demo-api:\n    dev:\n      sources: [{ path: ${api}/src, target: /app/src }]\n`);
const project = 'bench-dev';
const apiPort = 18795;
const env = { ...process.env, BERTH_STATE_DIR: mkdtempSync(join(tmpdir(), 'berth-bench-state-')), CI: 'true' };
const args = [
  '--profile',
  'demo',
  '--project',
  project,
  '-e',
  envFile,
  '--param',
  `demo_api_port=${apiPort}`,
  '--param',
  'demo_proxy_port=18796',
  '--param',
  'demo_cache_port=18799',
];

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))]!;

function healthy(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port: apiPort,
        path: '/healthz',
        agent: false,
        headers: { connection: 'close' },
        timeout: 1000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/** The same probe for the references: poll every 25 ms until the API answers 200. */
async function untilHealthy(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await healthy())) {
    if (Date.now() > deadline) throw new Error('API did not become healthy');
    await sleep(25);
  }
}

async function main() {
  await execa('node', [cli, 'down', '--volumes', ...args], { env, reject: false });
  const dev = execa('node', [cli, 'dev', '--json', '--quiet-ms', String(QUIET_MS), ...args], { env, reject: false });
  const events: { at: number; e: BerthEvent }[] = [];
  let buf = '';
  dev.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) events.push({ at: performance.now(), e: JSON.parse(l) });
  });
  const waitEvent = async (pred: (e: BerthEvent) => boolean, from: number) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const hit = events.slice(from).find((x) => pred(x.e));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error('event not seen');
      await sleep(2);
    }
  };
  await waitEvent((e) => e.type === 'dev.watching', 0);

  const berth: number[] = [];
  const reported: number[] = [];
  const overhead: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    await sleep(300);
    const mark = events.length;
    const t0 = performance.now();
    writeFileSync(join(api, 'src', 'version.mjs'), `export const VERSION = 'bench-${i}';\n`);
    const start = await waitEvent(
      (e) => e.type === 'dev.action' && e.service === 'demo-api' && e.phase === 'start',
      mark,
    );
    const done = await waitEvent(
      (e) => e.type === 'dev.action' && e.service === 'demo-api' && e.phase !== 'start',
      mark,
    );
    if (done.e.type !== 'dev.action' || done.e.phase !== 'done')
      throw new Error(`restart failed: ${JSON.stringify(done.e)}`);
    berth.push(done.at - t0);
    reported.push(done.e.latencyMs ?? NaN);
    if (start.e.type === 'dev.action') overhead.push((start.e.overheadMs ?? NaN) - QUIET_MS);
  }
  dev.kill('SIGINT');
  await dev;

  const id = (
    await execa('docker', [
      'ps',
      '-q',
      '--filter',
      `label=org.berth.project=${project}`,
      '--filter',
      'label=org.berth.service=demo-api',
    ])
  ).stdout.trim();
  const peer: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    let t0 = performance.now();
    await execa('docker', ['restart', id]);
    await untilHealthy();
    peer.push(performance.now() - t0);
    t0 = performance.now();
    await execa('docker', ['kill', id]);
    await execa('docker', ['start', id]);
    await untilHealthy();
    floor.push(performance.now() - t0);
  }
  await execa('node', [cli, 'down', '--volumes', ...args], { env, reject: false });

  const fmt = (ms: number) => `${Math.round(ms)} ms`;
  console.log(`\nsave → healthy, demo API (Node as PID 1, ignores SIGTERM), ${EDITS} edits each, same container\n`);
  console.log('| method | p50 | p95 |');
  console.log('| --- | --- | --- |');
  console.log(`| berth dev (write → berth reports healthy) | ${fmt(pct(berth, 0.5))} | ${fmt(pct(berth, 0.95))} |`);
  console.log(
    `| berth dev, as berth reports it (first event → healthy) | ${fmt(pct(reported, 0.5))} | ${fmt(pct(reported, 0.95))} |`,
  );
  console.log(`| peer: docker restart + probe | ${fmt(pct(peer, 0.5))} | ${fmt(pct(peer, 0.95))} |`);
  console.log(`| floor: docker kill + docker start + probe | ${fmt(pct(floor, 0.5))} | ${fmt(pct(floor, 0.95))} |`);
  const target = pct(floor, 0.5) + QUIET_MS + 100;
  const over = pct(overhead, 0.5);
  console.log(
    `\nberth p50 ${fmt(pct(berth, 0.5))} vs target floor + ${QUIET_MS} ms quiet + 100 ms = ${fmt(target)}: ${pct(berth, 0.5) <= target ? 'met' : 'MISSED'}`,
  );
  console.log(
    'berth overhead beyond the quiet window (last event seen → restart requested), ' +
      `p50 ${over.toFixed(1)} ms, p95 ${pct(overhead, 0.95).toFixed(1)} ms, target ≤ 20 ms: ${over <= 20 ? 'met' : 'MISSED'}`,
  );
  console.log(`berth p50 is ${(pct(peer, 0.5) / pct(berth, 0.5)).toFixed(1)}× faster than docker restart`);
}

await main();
