/**
 * Issue 13's verify and down targets on the full undercloud (≤ 20 s for its 33 checks, ≤ 5 s for down),
 * side by side with the previous design: BASELINE_CLI names an older berth's dist/cli/main.js (checks one
 * after another, down one service at a time), run against the same deployment. Images must be built.
 * Interleaved runs; the figures are medians. Without BASELINE_CLI only this design is measured.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const baseline = process.env.BASELINE_CLI;
const runs = Number(process.env.BENCH_RUNS ?? 2);
const state = mkdtempSync(join(tmpdir(), 'berth-bench-vd-'));
const env = { ...process.env, BERTH_STATE_DIR: state, CI: 'true' };
const args = ['--profile', 'undercloud', '--project', 'bench-vd'];

async function timed(which: string, command: string[]): Promise<number> {
  const started = Date.now();
  const run = await execa('node', [which, ...command, ...args], { env, reject: false, all: true });
  const seconds = (Date.now() - started) / 1000;
  if (run.exitCode !== 0) throw new Error(`${command.join(' ')} failed:\n${run.all?.slice(-3000)}`);
  return seconds;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const designs = [{ name: 'this design', cli }, ...(baseline ? [{ name: 'baseline', cli: baseline }] : [])];
const verifyTimes = new Map<string, number[]>(designs.map((d) => [d.name, []]));
const downTimes = new Map<string, number[]>(designs.map((d) => [d.name, []]));

console.log(`deploying the undercloud (project bench-vd, state ${state}) ...`);
console.log(`  deploy: ${(await timed(cli, ['deploy'])).toFixed(1)} s`);
for (let i = 0; i < runs; i++) {
  for (const d of designs) {
    const s = await timed(d.cli, ['verify']);
    verifyTimes.get(d.name)!.push(s);
    console.log(`  verify (${d.name}): ${s.toFixed(1)} s`);
  }
}
// Each design takes down what it deployed itself: the stop signals and timeouts are the containers' own.
let deployedBy = cli;
for (let i = 0; i < runs; i++) {
  for (const d of designs) {
    if (deployedBy !== d.cli) {
      await timed(deployedBy, ['down']);
      console.log(`  deploying with ${d.name}: ${(await timed(d.cli, ['deploy'])).toFixed(1)} s`);
    }
    const s = await timed(d.cli, ['down']);
    downTimes.get(d.name)!.push(s);
    console.log(`  down (${d.name}): ${s.toFixed(1)} s; redeploying: ${(await timed(d.cli, ['deploy'])).toFixed(1)} s`);
    deployedBy = d.cli;
  }
}
await timed(cli, ['down', '--volumes']);

const line = (what: string, times: Map<string, number[]>, target: number) =>
  designs
    .map(
      (d) =>
        `${d.name} median ${median(times.get(d.name)!).toFixed(1)} s (${times
          .get(d.name)!
          .map((s) => s.toFixed(1))
          .join(', ')})`,
    )
    .join(' | ') + ` · target ≤ ${target} s: ${median(times.get('this design')!) <= target ? 'met' : 'MISSED'}`;
console.log(`\nverify, 33 checks: ${line('verify', verifyTimes, 20)}`);
console.log(`down, 17 services: ${line('down', downTimes, 5)}`);
