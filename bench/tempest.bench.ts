/**
 * Issue 18's Tempest stage timing (≤ 10 min on this 2-core machine): deploys the undercloud (project bench-tempest;
 * images must be built), then `berth verify --tempest` with the suites make test runs, and with
 * BENCH_TEMPEST_SUITES="identity network ..." any others. Prints each suite's counts and the run's wall time at
 * each concurrency in BENCH_TEMPEST_CONCURRENCY (default "2 4"), one after the other on the same deployment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const state = mkdtempSync(join(tmpdir(), 'berth-bench-tempest-'));
const env = { ...process.env, BERTH_STATE_DIR: state, CI: 'true' };
const args = ['--profile', 'undercloud', '--project', 'bench-tempest'];
const suites = (process.env.BENCH_TEMPEST_SUITES ?? 'identity image orchestration-api').split(/\s+/).filter(Boolean);
const concurrencies = (process.env.BENCH_TEMPEST_CONCURRENCY ?? '2 4').split(/\s+/).filter(Boolean);

interface Done {
  type: 'tempest.done';
  wallMs: number;
  suites: { name: string; passed: number; failed: number; skipped: number }[];
}

async function berth(command: string[]) {
  return execa('node', [cli, ...command, ...args], { env, reject: false, all: true });
}

console.log(`deploying the undercloud (project bench-tempest, state ${state}) ...`);
const deployed = await berth(['deploy']);
if (deployed.exitCode !== 0) throw new Error(`deploy failed:\n${deployed.all?.slice(-3000)}`);
try {
  for (const concurrency of concurrencies) {
    const started = Date.now();
    const run = await berth([
      'verify',
      '--json',
      '--tempest',
      '--tempest-concurrency',
      concurrency,
      ...suites.flatMap((s) => ['--tempest-suite', s]),
    ]);
    const stage = (Date.now() - started) / 1000;
    const done = run.stdout
      .split('\n')
      .filter((l) => l.includes('"tempest.done"'))
      .map((l) => JSON.parse(l) as Done)[0];
    if (!done) throw new Error(`no Tempest result (exit ${run.exitCode}):\n${run.all?.slice(-3000)}`);
    console.log(
      `concurrency ${concurrency}: tests ${(done.wallMs / 1000).toFixed(0)} s; verify + Tempest stage ${stage.toFixed(0)} s`,
    );
    for (const s of done.suites)
      console.log(`  ${s.name.padEnd(18)} ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  }
  console.log('target: the Tempest stage of berth ci install ≤ 600 s');
} finally {
  await berth(['down', '--volumes']);
}
