/**
 * Issue 14 on the full undercloud: `berth dev --source nova=… --source heat=…` with trees made by
 * `berth source`. One nova edit: which services act, and each one's latency. heat-engine: save → a new
 * engine listed as up by heat's own API (GET /v1/{project}/services, polled every 50 ms), side by side on the
 * same container with `docker restart` and `docker kill` + `docker start`, each followed by the same wait; berth's
 * own "done" (its health check, a broker connection) is printed beside it; then the same two references on heat-engine
 * as deployed (no preloading parent). Target: berth ≤ 0.5× docker restart, against both. ironic-conductor the same
 * way, until ironic's conductor list shows it alive and registered again (no target: reported).
 * Deploys its own project on free ports; removes it after.
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ApiReadiness, ApiSession, processStartMs } from '../lib/dev/api-ready.js';
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
for (const p of ['nova', 'heat', 'ironic']) await run(['source', p, join(work, p)]);
const dev = execa(
  'node',
  [cli, 'dev', '--json', ...['nova', 'heat', 'ironic'].flatMap((p) => ['--source', `${p}=${join(work, p)}`]), ...args],
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

// heat-engine and ironic-conductor, three ways each, each until the service's own API says the new process is up:
// the wait berth dev's own gate uses (the service's dev.ready: heat's service list, a new engine_id up; ironic's
// conductor list, the conductor alive and stamped after the start), on a session of its own, so all three methods
// share one definition of "up".
const services = loadProfile({ profile: 'undercloud', project, env }).services;
const session = new ApiSession(join(env.BERTH_STATE_DIR, 'projects', project, 'clouds.yaml'));
const noSignal = new AbortController().signal;
/** The service's API readiness, and its container. */
function engine(name: string) {
  const listing = new ApiReadiness(session, services.find((x) => x.name === name)!.dev!.ready!);
  return {
    name,
    container: `${project}-${name}`,
    remember: () => listing.learn(noSignal),
    ready: (startedAt?: number) => listing.awaitNew(noSignal, startedAt),
  };
}
type Engine = ReturnType<typeof engine>;
/** `docker restart`, then `docker kill` + `docker start`, each until its API lists the new process as up. */
async function references(e: Engine, restart: number[], killStart: number[]): Promise<void> {
  const t1 = performance.now();
  await execa('docker', ['restart', e.container]);
  await e.ready(await startedAt(e));
  restart.push((performance.now() - t1) / 1000);
  const t2 = performance.now();
  await execa('docker', ['kill', e.container]);
  await execa('docker', ['start', e.container]);
  await e.ready(await startedAt(e));
  killStart.push((performance.now() - t2) / 1000);
}
/** The container's start (ms), or the later `began` when the process was forked in place, as berth's own gate. */
async function startedAt(e: Engine, began = 0): Promise<number> {
  return processStartMs(began, (await execa('docker', ['inspect', '-f', '{{.State.StartedAt}}', e.container])).stdout);
}
const heat = engine('heat-engine');
const ironic = engine('ironic-conductor');
await heat.remember();
await ironic.remember();
/** RUNS saves of `file`, each timed to berth's "done" and to the API's; the references after each. */
async function saves(e: Engine, file: string) {
  const t = { berth: [] as number[], done: [] as number[], restart: [] as number[], kill: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    mark = events.length;
    const t0 = performance.now();
    const began = Date.now();
    appendFileSync(file, `# bench edit ${i}\n`);
    while (!actions(mark).some((a) => a.service === e.name && a.phase !== 'start')) await sleep(20);
    t.done.push((performance.now() - t0) / 1000);
    await e.ready(await startedAt(e, began));
    t.berth.push((performance.now() - t0) / 1000);
    await references(e, t.restart, t.kill);
    console.log(
      `  ${e.name} edit ${i + 1}: berth ${t.berth.at(-1)!.toFixed(2)} s (its done: ${t.done.at(-1)!.toFixed(2)} s) · docker restart ${t.restart.at(-1)!.toFixed(2)} s · kill+start ${t.kill.at(-1)!.toFixed(2)} s`,
    );
  }
  return t;
}
const heatTimes = await saves(heat, join(work, 'heat', 'heat', 'engine', 'service.py'));
const ironicTimes = await saves(ironic, join(work, 'ironic', 'ironic', 'conductor', 'manager.py'));
dev.kill('SIGINT');
await dev;
// The same references on heat-engine as deployed (no preloading parent, which also imports heat's own modules
// before its first fork): what a developer without berth dev restarts.
await run(['deploy']);
await heat.remember();
const plainRestart: number[] = [];
const plainKill: number[] = [];
for (let i = 0; i < RUNS; i++) {
  await references(heat, plainRestart, plainKill);
  console.log(
    `  as deployed ${i + 1}: docker restart ${plainRestart.at(-1)!.toFixed(2)} s · kill+start ${plainKill.at(-1)!.toFixed(2)} s`,
  );
}
await run(['down', '--volumes']);
const ratio = median(heatTimes.berth) / median(heatTimes.restart);
const plainRatio = median(heatTimes.berth) / median(plainRestart);
console.log(`\nheat-engine save → a new engine listed as up by heat's API (${RUNS} each), medians:`);
console.log(
  `  berth dev ${median(heatTimes.berth).toFixed(2)} s (done: ${median(heatTimes.done).toFixed(2)} s) · same container: docker restart ${median(heatTimes.restart).toFixed(2)} s, kill+start ${median(heatTimes.kill).toFixed(2)} s · as deployed: docker restart ${median(plainRestart).toFixed(2)} s, kill+start ${median(plainKill).toFixed(2)} s`,
);
const verdict = Math.max(ratio, plainRatio) <= 0.5 ? 'met' : 'MISSED';
console.log(
  `  berth / docker restart: ${ratio.toFixed(2)}× (same container), ${plainRatio.toFixed(2)}× (as deployed) · target ≤ 0.5× of both: ${verdict}`,
);
console.log(`\nironic-conductor save → the conductor alive and re-registered in ironic's API (${RUNS} each), medians:`);
console.log(
  `  berth dev ${median(ironicTimes.berth).toFixed(2)} s (done: ${median(ironicTimes.done).toFixed(2)} s) · docker restart ${median(ironicTimes.restart).toFixed(2)} s, kill+start ${median(ironicTimes.kill).toFixed(2)} s · no target (the issue asks only that the gate be its API)`,
);
