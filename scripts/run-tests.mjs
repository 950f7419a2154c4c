// Runs the whole suite as two stages (unit, then integration against the real engine), prints each
// stage's time and each integration file's, and ends with one plain "N passed, N failed, N skipped"
// line that any CI log reader understands.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const totals = { passed: 0, failed: 0, skipped: 0 };
// Repeated after the totals: a CI log is often read from its end, and the failures must be there.
const failures = [];
let ok = true;
for (const project of ['unit', 'integration']) {
  const report = `.vitest-report-${project}.json`;
  rmSync(report, { force: true });
  const started = Date.now();
  const run = spawnSync(
    'npx',
    ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    { stdio: 'inherit' },
  );
  const seconds = (Date.now() - started) / 1000;
  let summary;
  try {
    summary = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    console.error(`${project}: no test report was written`);
    ok = false;
    continue;
  }
  totals.passed += summary.numPassedTests;
  totals.failed += summary.numFailedTests;
  totals.skipped += summary.numPendingTests + summary.numTodoTests;
  ok &&= run.status === 0 && summary.numPassedTests > 0;
  for (const file of summary.testResults) {
    const name = file.name.replace(`${process.cwd()}/`, '');
    if (file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed')) {
      // A beforeAll that threw: vitest marks the file failed and its tests skipped, with the reason only in
      // its own output above. Those tests did not pass; say so here.
      const notRun = file.assertionResults.filter((t) => t.status !== 'passed').length;
      failures.push(`  FAILED ${name}: its setup failed, so ${notRun} of its tests did not run (see above)`);
    }
    for (const test of file.assertionResults.filter((t) => t.status === 'failed')) {
      const why = (test.failureMessages[0] ?? '').split('\n').slice(0, 6).join('\n      ');
      failures.push(`  FAILED ${name} > ${test.fullName}\n      ${why}`);
    }
  }
  if (project === 'integration') {
    const files = summary.testResults.map((f) => ({
      name: f.name.replace(`${process.cwd()}/`, ''),
      s: (f.endTime - f.startTime) / 1000,
    }));
    for (const f of files.sort((a, b) => b.s - a.s)) console.log(`  ${f.s.toFixed(1).padStart(7)} s  ${f.name}`);
  }
  console.log(
    `stage ${project} tests: ${seconds.toFixed(1)} s (${summary.numPassedTests} passed, ${summary.numFailedTests} failed)`,
  );
}
if (failures.length) console.log(`failed tests:\n${failures.join('\n')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(ok ? 0 : 1);
