import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { toJUnitXml } from '../../lib/ci/junit.js';

const suite = {
  name: 'berth ci install demo',
  timestamp: new Date('2026-11-24T10:00:00.123Z'),
  cases: [
    { classname: 'install.step', name: 'deploy', timeMs: 1500, output: 'done: 3 services converged' },
    {
      classname: 'install.verify',
      name: 'api answers <through> the "proxy" & more',
      timeMs: 20,
      failure: { message: 'expected "hello"', details: 'exec -> exit 1\n    | log line \u001b[31mred\u001b[0m ]]> 🚀' },
    },
    { classname: 'install.step', name: 'teardown', timeMs: 0, skipped: 'kept (--keep)' },
  ],
};

describe('JUnit XML', () => {
  it('is well-formed, counts cases, and names the failing check with its output', () => {
    const xml = toJUnitXml(suite);
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const ts = parsed.testsuites.testsuite;
    expect([ts.tests, ts.failures, ts.skipped, ts.time]).toEqual(['3', '1', '1', '1.520']);
    expect(ts.timestamp).toBe('2026-11-24T10:00:00');
    const [deploy, check, teardown] = ts.testcase;
    expect(deploy.name).toBe('deploy');
    expect(deploy['system-out']).toBe('done: 3 services converged');
    expect(check.name).toBe('api answers <through> the "proxy" & more');
    expect(check.failure.message).toBe('expected "hello"');
    // Control characters cannot appear in XML at all; they are replaced, the rest survives.
    expect(check.failure['#text']).toBe('exec -> exit 1\n    | log line \uFFFD[31mred\uFFFD[0m ]]> 🚀');
    expect(teardown.skipped.message).toBe('kept (--keep)');
  });
});
