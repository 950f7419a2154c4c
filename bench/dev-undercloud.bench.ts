/**
 * Issue 14 on the full undercloud: `berth dev --source nova=… --source heat=…` with trees made by
 * `berth source`. One nova edit: which services act, and each one's latency. heat-engine: save → a new
 * engine listed as up by heat's own API (GET /v1/{project}/services, polled every 50 ms), side by side on the
 * same container with `docker restart` and `docker kill` + `docker start`, each followed by the same wait; berth's
 * own "done" (its health check, a broker connection) is printed beside it; then the same two references on heat-engine
 * as deployed (no preloading parent). Target: berth ≤ 0.5× docker restart, against both.
 * Deploys its own project on free ports; removes it after.
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ApiReadiness, ApiSession } from '../lib/dev/api-ready.js';
import type { BerthEvent } from '../lib/events/types.js';
import { loadProfile } from '../lib/profile/load.js';
import { devEvents } from './dev-events.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const project = 'bench-ucdev';
const env = { ...process.env, BERTH_STATE_DIR: mkdtempSync(join(tmpdir(), 'berth-bench-ucdev-')), CI: 'true' };
const args = ['--profile', 'undercloud', '--project', project];
// Ports of their own, beside a default undercloud.
const ports: Record<string, number> = {
  haproxy_monitor_port: 28404,
  keystone_public_port: 25000,
  keystone_direct_port: 25001,
  glance_public_port: 29292,
  glance_direct_port: 29293,
  placement_public_port: 28778,
  placement_direct_port: 28779,
  heat_public_port: 28004,
  heat_direct_port: 28005,
  neutron_public_port: 29696,
  neutron_direct_port: 29697,
  ironic_public_port: 26385,
  ironic_direct_port: 26386,
  nova_public_port: 28774,
  nova_direct_port: 28775,
  mariadb_port: 23306,
  rabbitmq_port: 25680,
  memcached_port: 21311,
};
for (const [k, v] of Object.entries(ports)) args.push('--param', `${k}=${v}`);
const work = mkdtempSync(join(tmpdir(), 'berth-bench-ucdev-trees-'));

async function run(command: string[]): Promise<void> {
  const r = await execa('node', [cli, ...command, ...args], { env, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`${command.join(' ')} failed:\n${r.all?.slice(-3000)}`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await run(['deploy']);
for (const p of ['nova', 'heat']) await run(['source', p, join(work, p)]);
const dev = execa(
  'node',
  [cli, 'dev', '--json', '--source', `nova=${join(work, 'nova')}`, '--source', `heat=${join(work, 'heat')}`, ...args],
  { env, reject: false },
);
const events = await devEvents(dev.stdout!);
const watching = events.find((e) => e.type === 'dev.watching') as Extract<BerthEvent, { type: 'dev.watching' }>;
console.log(
  `watching: ${watching.watches} inotify watches for ${watching.trees.map((t) => `${t.root} (${t.directories} directories)`).join(', ')}`,
);

type Action = Extract<BerthEvent, { type: 'dev.action' }>;
const actions = (from: number) => events.slice(from).filter((e): e is Action => e.type === 'dev.action');

// One nova edit.
let mark = events.length;
appendFileSync(join(work, 'nova', 'nova', 'conductor', 'manager.py'), '# bench edit\n');
for (;;) {
  const started = actions(mark).filter((a) => a.phase === 'start');
  const ended = actions(mark).filter((a) => a.phase !== 'start');
  if (started.length && ended.length >= started.length) break;
  await sleep(100);
}
console.log('\none nova edit (nova/conductor/manager.py):');
for (const a of actions(mark).filter((x) => x.phase !== 'start'))
  console.log(`  ${a.service.padEnd(16)} ${a.phase} in ${((a.latencyMs ?? 0) / 1000).toFixed(2)} s`);

// heat-engine, three ways, each until heat's API lists an engine it did not list before as up.
const container = `${project}-heat-engine`;
// The wait berth dev's own gate uses (heat-engine's dev.ready: heat's service list, a new engine_id up), on a
// session of its own: the same definition of "listed as up" for all three methods.
const heatEngine = loadProfile({ profile: 'undercloud', project, env }).services.find((x) => x.name === 'heat-engine')!;
const listing = new ApiReadiness(
  new ApiSession(join(env.BERTH_STATE_DIR, 'projects', project, 'clouds.yaml')),
  heatEngine.dev!.ready!,
);
const noSignal = new AbortController().signal;
const remember = () => listing.learn(noSignal);
const ready = () => listing.awaitNew(noSignal);
/** `docker restart`, then `docker kill` + `docker start`, each until heat's API lists a new engine as up. */
async function references(restart: number[], killStart: number[]): Promise<void> {
  const t1 = performance.now();
  await execa('docker', ['restart', container]);
  await ready();
  restart.push((performance.now() - t1) / 1000);
  const t2 = performance.now();
  await execa('docker', ['kill', container]);
  await execa('docker', ['start', container]);
  await ready();
  killStart.push((performance.now() - t2) / 1000);
}
await remember();
const berthTimes: number[] = [];
const berthDone: number[] = [];
const restartTimes: number[] = [];
const killTimes: number[] = [];
for (let i = 0; i < RUNS; i++) {
  mark = events.length;
  const t0 = performance.now();
  appendFileSync(join(work, 'heat', 'heat', 'engine', 'service.py'), `# bench edit ${i}\n`);
  while (!actions(mark).some((a) => a.service === 'heat-engine' && a.phase !== 'start')) await sleep(20);
  berthDone.push((performance.now() - t0) / 1000);
  await ready();
  berthTimes.push((performance.now() - t0) / 1000);
  await references(restartTimes, killTimes);
  console.log(
    `  heat edit ${i + 1}: berth ${berthTimes.at(-1)!.toFixed(2)} s (its done: ${berthDone.at(-1)!.toFixed(2)} s) · docker restart ${restartTimes.at(-1)!.toFixed(2)} s · kill+start ${killTimes.at(-1)!.toFixed(2)} s`,
  );
}
dev.kill('SIGINT');
await dev;
// The same references on heat-engine as deployed (no preloading parent, which also imports heat's own modules
// before its first fork): what a developer without berth dev restarts.
await run(['deploy']);
await remember();
const plainRestart: number[] = [];
const plainKill: number[] = [];
for (let i = 0; i < RUNS; i++) {
  await references(plainRestart, plainKill);
  console.log(
    `  as deployed ${i + 1}: docker restart ${plainRestart.at(-1)!.toFixed(2)} s · kill+start ${plainKill.at(-1)!.toFixed(2)} s`,
  );
}
await run(['down', '--volumes']);
const ratio = median(berthTimes) / median(restartTimes);
const plainRatio = median(berthTimes) / median(plainRestart);
console.log(`\nheat-engine save → a new engine listed as up by heat's API (${RUNS} each), medians:`);
console.log(
  `  berth dev ${median(berthTimes).toFixed(2)} s (done: ${median(berthDone).toFixed(2)} s) · same container: docker restart ${median(restartTimes).toFixed(2)} s, kill+start ${median(killTimes).toFixed(2)} s · as deployed: docker restart ${median(plainRestart).toFixed(2)} s, kill+start ${median(plainKill).toFixed(2)} s`,
);
const verdict = Math.max(ratio, plainRatio) <= 0.5 ? 'met' : 'MISSED';
console.log(
  `  berth / docker restart: ${ratio.toFixed(2)}× (same container), ${plainRatio.toFixed(2)}× (as deployed) · target ≤ 0.5× of both: ${verdict}`,
);
