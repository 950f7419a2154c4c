import { failed, summarize, type TempestTest } from '../../lib/tempest/selection.js';
import type { TempestRun, TempestStage } from '../../lib/tempest/run.js';
import { out, outJson } from '../context.js';

const STAGE_TEXT: Record<TempestStage, string> = {
  image: 'tempest: building its image when its context changed',
  preparing: "tempest: the profile's prepare steps",
  'saving-state': 'tempest: saving the cloud state the cleanup compares with',
  running: 'tempest: running the selection',
  'cleaning-up': 'tempest: cleaning up what the tests left',
};

export function printTempestStage(stage: TempestStage, json?: boolean): void {
  if (json) outJson({ type: 'tempest.stage', stage });
  else out(`${STAGE_TEXT[stage]}\n`);
}

export function printTempestProgress(done: number, failed: number, json?: boolean): void {
  if (json) outJson({ type: 'tempest.progress', done, failed });
  else out(`tempest: ${done} tests finished, ${failed} failed\n`);
}

/**
 * Prints each failure, a row per suite and what the cleanup left; with `verbose`, every test that passed or was
 * skipped too (a skip with Tempest's reason), so a run's passes are on record without --json. Returns how many
 * tests failed.
 */
export function printTempest(run: TempestRun, { json = false, verbose = false } = {}): number {
  const suites = summarize(run.selection, run.tests);
  const failures = run.tests.filter(failed);
  if (json) {
    for (const test of run.tests) outJson({ type: 'tempest.test', ...test });
    outJson({
      type: 'tempest.done',
      suites,
      wallMs: run.wallMs,
      concurrency: run.concurrency,
      leftovers: run.leftovers,
    });
  } else {
    if (verbose) for (const test of run.tests.filter((t) => !failed(t))) out(`${passLine(test)}\n`);
    for (const test of failures) out(`FAIL ${test.id}\n${indent(lastLines(test.traceback ?? '', 12))}\n`);
    out(`${'suite'.padEnd(22)} ${'passed'.padStart(6)} ${'failed'.padStart(6)} ${'skipped'.padStart(7)}  test time\n`);
    for (const s of suites)
      out(
        `${s.name.padEnd(22)} ${String(s.passed).padStart(6)} ${String(s.failed).padStart(6)} ` +
          `${String(s.skipped).padStart(7)}  ${s.testSeconds.toFixed(0)} s\n`,
      );
    out(
      `tempest: ${run.tests.length} tests in ${(run.wallMs / 1000).toFixed(0)} s at concurrency ${run.concurrency}, ` +
        `${failures.length} failed\n`,
    );
    const kinds = Object.entries(run.leftovers);
    if (kinds.length)
      out(`left after tempest cleanup:\n${kinds.map(([k, v]) => `  ${k}: ${v.join(', ')}`).join('\n')}\n`);
    else out('tempest cleanup: nothing left\n');
  }
  // A run that produced no results at all failed before any test: its own output says why.
  if (!run.tests.length) {
    if (!json) out(`tempest produced no results (exit ${run.exitCode}):\n${indent(run.tail)}\n`);
    return 1;
  }
  return failures.length;
}

function passLine(test: TempestTest): string {
  if (test.status === 'skip') return `skip ${test.id}: ${test.reason?.trim().split('\n')[0] || 'skipped by Tempest'}`;
  return `ok   ${test.id} (${test.seconds.toFixed(1)} s)`;
}

const indent = (text: string) => text.replace(/^/gm, '     ');
const lastLines = (text: string, n: number) => text.trim().split('\n').slice(-n).join('\n');
