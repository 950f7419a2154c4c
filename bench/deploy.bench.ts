/**
 * berth versus docker-compose 1.29 on the demo stack, side by side in one run, median of N runs each,
 * interleaved so that machine noise hits both alike:
 *   1. no-op redeploy of a healthy project;
 *   2. deploy from nothing (images cached, fresh volumes) until every service is healthy.
 * Targets (issue 2): no-op ≤ 0.5× compose, from nothing ≤ 1.0× compose.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { loadProfile } from '../lib/profile/load.js';
import { writeComposeEquivalent } from './compose-equivalent.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const docker = new Docker();
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const state = mkdtempSync(join(tmpdir(), 'berth-bench-'));
const env = { ...process.env, BERTH_STATE_DIR: state, CI: 'true' };

const berthProject = 'bench-berth';
const composeProject = 'bench-compose';
const berthArgs = [
  '--profile',
  'demo',
  '--project',
  berthProject,
  '--param',
  'demo_api_port=18790',
  '--param',
  'demo_proxy_port=18791',
  '--param',
  'demo_cache_port=18797',
];
// The compose side gets the same resolved profile (same secret, same rendered config), on other ports.
const profile = loadProfile({
  profile: 'demo',
  project: composeProject,
  parameters: { demo_api_port: 18792, demo_proxy_port: 18793, demo_cache_port: 18798 },
  env,
  secrets: 'generate',
});
const composeFile = writeComposeEquivalent(profile, mkdtempSync(join(tmpdir(), 'berth-bench-compose-')));
const compose = (...args: string[]) =>
  execa('docker-compose', ['-f', composeFile, '-p', composeProject, ...args], { env });
const berth = (...args: string[]) => execa('node', [cli, ...args, ...berthArgs], { env });

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function composeAllHealthy(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const list = await docker.listContainers({
      all: true,
      filters: { label: [`com.docker.compose.project=${composeProject}`] },
    });
    const infos = await Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
    const longRunning = infos.filter((i) => i.HostConfig.RestartPolicy?.Name !== 'no');
    if (longRunning.length === 3 && longRunning.every((i) => i.State.Health?.Status === 'healthy')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('compose project did not become healthy in 120 s');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  await berth('images', 'ensure-base').catch(() => undefined);
  await compose('down', '-v').catch(() => undefined);
  await berth('down', '--volumes').catch(() => undefined);
  // Warm-up: builds images once (not measured) so both sides start from a warm cache.
  await berth('deploy');
  await berth('down', '--volumes');

  const fresh = { berth: [] as number[], compose: [] as number[] };
  const noop = { berth: [] as number[], compose: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    fresh.berth.push(await timed(() => berth('deploy')));
    fresh.compose.push(
      await timed(async () => {
        await compose('up', '-d');
        await composeAllHealthy();
      }),
    );
    noop.berth.push(await timed(() => berth('deploy')));
    noop.compose.push(
      await timed(async () => {
        await compose('up', '-d');
        await composeAllHealthy();
      }),
    );
    await berth('down', '--volumes');
    await compose('down', '-v');
    process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
  }

  const rows = [
    ['deploy from nothing (images cached) until healthy', fresh, 1.0],
    ['no-op redeploy of a healthy project', noop, 0.5],
  ] as const;
  console.log(`\nberth vs docker-compose 1.29, demo profile, median of ${RUNS} runs each (interleaved)\n`);
  console.log('| scenario | berth | docker-compose | ratio | target |');
  console.log('| --- | --- | --- | --- | --- |');
  let ok = true;
  for (const [name, r, target] of rows) {
    const ratio = median(r.berth) / median(r.compose);
    ok &&= ratio <= target;
    console.log(
      `| ${name} | ${fmt(median(r.berth))} | ${fmt(median(r.compose))} | ${ratio.toFixed(2)}× | ≤ ${target.toFixed(1)}× ${ratio <= target ? 'met' : 'MISSED'} |`,
    );
  }
  console.log(
    `\nall runs (s): ${JSON.stringify(Object.fromEntries(rows.map(([n, r]) => [n, { berth: r.berth.map((x) => +(x / 1000).toFixed(2)), compose: r.compose.map((x) => +(x / 1000).toFixed(2)) }])))}`,
  );
  if (!ok) process.exitCode = 1;
}

await main();
