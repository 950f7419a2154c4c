/**
 * Issue 14: keystone save → /v3 answers with the new code, under `berth dev --source keystone=DIR` on
 * undercloud-minimal (a tree made by `berth source keystone`), side by side in one run on the same
 * container with `docker restart` + the same probe and `docker kill` + `docker start` + the same probe.
 * Targets: berth ≤ 1.0× the kill+start floor; moonshot < 1.5 s. Prints p50 and p95 of each.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { devEvents } from './dev-events.js';

const EDITS = Number(process.env.BENCH_EDITS ?? 8);
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const project = 'bench-ksdev';
const port = 18850;
const env = { ...process.env, BERTH_STATE_DIR: mkdtempSync(join(tmpdir(), 'berth-bench-ks-')), CI: 'true' };
const args = ['--profile', 'undercloud-minimal', '--project', project, '--param', `keystone_public_port=${port}`];
args.push('--param', 'mariadb_port=18851', '--param', 'rabbitmq_port=18852', '--param', 'memcached_port=18853');
const tree = join(mkdtempSync(join(tmpdir(), 'berth-bench-ks-tree-')), 'keystone');
const discovery = join(tree, 'keystone', 'api', 'discovery.py');
const container = `${project}-keystone`;

async function run(command: string[]): Promise<void> {
  const r = await execa('node', [cli, ...command, ...args], { env, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`${command.join(' ')} failed:\n${r.all?.slice(-3000)}`);
}

/** Poll /v3 every 20 ms until it answers 200 (with `marker` in its body, when given). */
async function answers(marker?: string): Promise<void> {
  for (;;) {
    const body = await fetch(`http://127.0.0.1:${port}/v3`, { headers: { connection: 'close' } })
      .then((r) => (r.status === 200 ? r.text() : ''))
      .catch(() => '');
    if (body && (!marker || body.includes(marker))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const fmt = (xs: number[]) => `p50 ${pct(xs, 0.5).toFixed(2)} s, p95 ${pct(xs, 0.95).toFixed(2)} s`;

console.log(`undercloud-minimal as ${project}; keystone tree at ${tree}`);
await run(['deploy']);
await run(['source', 'keystone', tree]);
const dev = execa('node', [cli, 'dev', '--json', '--source', `keystone=${tree}`, ...args], { env, reject: false });
const events = await devEvents(dev.stdout!);

const original = readFileSync(discovery, 'utf8');
const results = { berth: [] as number[], restart: [] as number[], killStart: [] as number[] };
/** Where berth's time goes: the save to its action's start (the quiet window) and to its own "done". */
const phases: string[] = [];
for (let i = 0; i < EDITS; i++) {
  const marker = `berth-bench-${i}`;
  const before = events.length;
  const t0 = performance.now();
  const saved = Date.now();
  writeFileSync(discovery, original.replace("'2020-04-07T00:00:00Z'", `'${marker}'`));
  await answers(marker);
  results.berth.push((performance.now() - t0) / 1000);
  // Let berth finish its own health gate before the container is touched by the others.
  while (!events.slice(before).some((e) => e.type === 'dev.action' && e.phase !== 'start'))
    await new Promise((r) => setTimeout(r, 50));
  const at = (phase: string) =>
    ((events.slice(before).find((e) => e.type === 'dev.action' && e.phase === phase) as { at?: number })?.at ?? NaN) -
    saved;
  phases.push(`start +${(at('start') / 1000).toFixed(2)} s, done +${(at('done') / 1000).toFixed(2)} s`);
  const t1 = performance.now();
  await execa('docker', ['restart', container]);
  await answers();
  results.restart.push((performance.now() - t1) / 1000);
  const t2 = performance.now();
  await execa('docker', ['kill', container]);
  await execa('docker', ['start', container]);
  await answers();
  results.killStart.push((performance.now() - t2) / 1000);
  console.log(
    `  edit ${i + 1}: berth ${results.berth.at(-1)!.toFixed(2)} s (its ${phases.at(-1)}) · docker restart ${results.restart.at(-1)!.toFixed(2)} s · kill+start ${results.killStart.at(-1)!.toFixed(2)} s`,
  );
}
dev.kill('SIGINT');
await dev;
await run(['down', '--volumes']);

const floor = pct(results.killStart, 0.5);
console.log(`\nkeystone save → /v3 with the new code (${EDITS} edits, same container):`);
console.log(`  berth dev (workers reloaded in place): ${fmt(results.berth)}`);
console.log(`  docker restart + probe:                ${fmt(results.restart)}`);
console.log(`  docker kill + start + probe (floor):   ${fmt(results.killStart)}`);
const ratio = pct(results.berth, 0.5) / floor;
console.log(`  berth / floor: ${ratio.toFixed(2)}× · target ≤ 1.0×: ${ratio <= 1 ? 'met' : 'MISSED'}`);
console.log(`  moonshot < 1.5 s: ${pct(results.berth, 0.5) < 1.5 ? 'met' : 'missed'}`);
