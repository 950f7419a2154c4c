import type { JUnitCase } from '../ci/junit.js';
import { BerthError } from '../errors.js';
import type { TempestSelection } from '../profile/model.js';

/** One Tempest test's outcome, as tempest-results.py writes it from the subunit stream. */
export interface TempestTest {
  /** The test's ID without its tags, e.g. tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token. */
  id: string;
  status: 'success' | 'fail' | 'skip' | 'xfail' | 'uxsuccess';
  seconds: number;
  reason?: string;
  traceback?: string;
}

export interface SuiteSummary {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Sum of its tests' own times (tests of all suites run side by side, so suites have no wall time apart). */
  testSeconds: number;
}

/** The selection narrowed to the named suites (all of them without names); an unknown name is an error. */
export function selectSuites(selection: TempestSelection, names: string[] = []): TempestSelection {
  if (!names.length) return selection;
  const known = selection.suites.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length)
    throw new BerthError(`no Tempest suite named ${unknown.join(', ')}`, `The profile's suites: ${known.join(', ')}.`);
  return { ...selection, suites: selection.suites.filter((s) => names.includes(s.name)) };
}

/**
 * The selection narrowed to the tests that also match `regex` (as `tempest run --regex` would: searched anywhere in
 * the test's ID), each suite keeping its name. Both regular expressions go to Python's `re` and to JavaScript's, so
 * the narrowing is two lookaheads at the ID's start, which both read alike.
 */
export function narrowSuites(selection: TempestSelection, regex: string | undefined): TempestSelection {
  if (!regex) return selection;
  return {
    ...selection,
    suites: selection.suites.map((s) => ({ ...s, regex: `^(?=${s.regex.replace(/^\^/, '')})(?=.*(?:${regex}))` })),
  };
}

/** stestr's include list: one regular expression per line, a test runs when any matches its ID. */
export function includeList(selection: TempestSelection): string {
  return selection.suites.map((s) => `${s.regex}\n`).join('');
}

export function excludeList(selection: TempestSelection): string {
  return selection.exclude.map((e) => `${e.regex}\n`).join('');
}

/** Parses the results script's output; lines that are not results (warnings, say) are not tests. */
export function parseResults(output: string): TempestTest[] {
  const tests: TempestTest[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Partial<TempestTest>;
      if (typeof parsed.id === 'string' && typeof parsed.status === 'string')
        tests.push({ seconds: 0, ...parsed } as TempestTest);
    } catch {
      // Not one of ours.
    }
  }
  return tests;
}

export const failed = (t: TempestTest) => t.status === 'fail' || t.status === 'uxsuccess';

/** The first suite whose expression matches, as stestr selected it; tests a plugin adds under none go last. */
export function summarize(selection: TempestSelection, tests: TempestTest[]): SuiteSummary[] {
  const suites = selection.suites.map((s) => ({ name: s.name, match: new RegExp(s.regex) }));
  const rows = new Map<string, SuiteSummary>();
  for (const { name } of [...suites, { name: 'other' }])
    rows.set(name, { name, passed: 0, failed: 0, skipped: 0, testSeconds: 0 });
  for (const test of tests) {
    const row = rows.get(suites.find((s) => s.match.test(test.id))?.name ?? 'other')!;
    if (failed(test)) row.failed++;
    else if (test.status === 'skip') row.skipped++;
    else row.passed++;
    row.testSeconds += test.seconds;
  }
  return [...rows.values()].filter((r) => r.name !== 'other' || r.passed + r.failed + r.skipped > 0);
}

/** One JUnit test case per Tempest test: class and method as Tempest names them, skips with their reason. */
export function toJUnitCases(tests: TempestTest[], classPrefix: string): JUnitCase[] {
  return tests.map((test) => {
    const dot = test.id.lastIndexOf('.');
    const base = {
      classname: `${classPrefix}.${test.id.slice(0, dot)}`,
      name: test.id.slice(dot + 1),
      timeMs: Math.round(test.seconds * 1000),
    };
    if (failed(test)) {
      const details = test.traceback ?? (test.status === 'uxsuccess' ? 'passed, though expected to fail' : '');
      const message = details.trim().split('\n').pop() ?? 'failed';
      return { ...base, failure: { message, details } };
    }
    if (test.status === 'skip') return { ...base, skipped: test.reason?.trim() || 'skipped by Tempest' };
    return base;
  });
}
