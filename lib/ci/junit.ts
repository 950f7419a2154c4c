/** One test case of a CI job: a step (deploy, update, teardown) or one verification check. */
export interface JUnitCase {
  classname: string;
  name: string;
  timeMs: number;
  failure?: { message: string; details: string };
  skipped?: string;
  /** What the step printed, kept for every case so a passing run can be read too. */
  output?: string;
}

export interface JUnitSuite {
  name: string;
  timestamp: Date;
  cases: JUnitCase[];
}

/** JUnit XML as Jenkins, GitLab and GitHub's test reporters read it: one <testsuite>, a <testcase> per case. */
export function toJUnitXml(suite: JUnitSuite): string {
  const failures = suite.cases.filter((c) => c.failure).length;
  const skipped = suite.cases.filter((c) => c.skipped !== undefined && !c.failure).length;
  const total = suite.cases.reduce((sum, c) => sum + c.timeMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name=${attr(suite.name)} tests="${suite.cases.length}" failures="${failures}" skipped="${skipped}" time="${seconds(total)}">`,
    `  <testsuite name=${attr(suite.name)} tests="${suite.cases.length}" failures="${failures}" errors="0"` +
      ` skipped="${skipped}" time="${seconds(total)}"` +
      ` timestamp="${suite.timestamp.toISOString().replace(/\.\d+Z$/, '')}">`,
  ];
  for (const c of suite.cases) {
    const open = `    <testcase classname=${attr(c.classname)} name=${attr(c.name)} time="${seconds(c.timeMs)}"`;
    const body: string[] = [];
    if (c.failure)
      body.push(
        `      <failure message=${attr(c.failure.message)} type="failure">${text(c.failure.details)}</failure>`,
      );
    else if (c.skipped !== undefined) body.push(`      <skipped message=${attr(c.skipped)}/>`);
    if (c.output) body.push(`      <system-out>${text(c.output)}</system-out>`);
    lines.push(body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`);
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

// XML 1.0 cannot carry most control characters at all, even escaped: container logs do contain them.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(value: string): string {
  return value.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return `"${text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;')}"`;
}
