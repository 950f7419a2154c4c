import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';

export interface JUnitCase {
  name: string;
  classname: string;
  failure?: { message: string; '#text': string };
  skipped?: { message: string };
  'system-out'?: string;
}

/** The one suite of a JUnit file `berth ci --junit` wrote: its attributes and its cases. */
export function junitCases(file: string): { suite: Record<string, string>; cases: JUnitCase[] } {
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => name === 'testcase',
  }).parse(readFileSync(file, 'utf8'));
  return { suite: parsed.testsuites.testsuite, cases: parsed.testsuites.testsuite.testcase };
}
