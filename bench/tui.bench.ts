/**
 * The terminal UI must cost nothing: a full undercloud deploy from nothing (images cached, fresh
 * volumes) with the Ink screen on a pty versus with --json, 3 runs each, interleaved.
 * Target (issue 5): ratio ≤ 1.05. BENCH_PROFILE picks another profile.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const state = mkdtempSync(join(tmpdir(), 'berth-bench-tui-'));
const profile = process.env.BENCH_PROFILE ?? 'undercloud';
const args = `--profile ${profile} --project bench-tui`;
const base = { ...process.env, BERTH_STATE_DIR: state, TERM: 'xterm-256color' } as Record<string, string | undefined>;
delete base.CI;

const down = () =>
  execa('node', [cli, 'down', '--volumes', ...args.split(' ')], { env: { ...base, CI: 'true' }, reject: false });
async function timed(command: string): Promise<number> {
  const t0 = performance.now();
  const run = await execa('script', ['-qec', command, '/dev/null'], { env: base, extendEnv: false, reject: false });
  if (run.exitCode !== 0) throw new Error(`${command} failed:\n${run.stdout.slice(-3000)}`);
  return performance.now() - t0;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await down();
await timed(`node ${cli} deploy --json ${args} > /dev/null`); // warm-up: builds images once
const tui: number[] = [];
const json: number[] = [];
for (let i = 0; i < RUNS; i++) {
  await down();
  tui.push(await timed(`node ${cli} deploy ${args}`));
  await down();
  json.push(await timed(`node ${cli} deploy --json ${args} > /dev/null`));
}
await down();
const ratio = median(tui) / median(json);
console.log(`\n${profile} from nothing (images cached), median of ${RUNS} runs each`);
console.log(`| reporter | median | runs |\n| --- | --- | --- |`);
console.log(
  `| Ink TUI on a pty | ${(median(tui) / 1000).toFixed(2)} s | ${tui.map((t) => (t / 1000).toFixed(2)).join(', ')} |`,
);
console.log(
  `| --json | ${(median(json) / 1000).toFixed(2)} s | ${json.map((t) => (t / 1000).toFixed(2)).join(', ')} |`,
);
console.log(`ratio ${ratio.toFixed(3)} (target ≤ 1.05): ${ratio <= 1.05 ? 'met' : 'MISSED'}`);
