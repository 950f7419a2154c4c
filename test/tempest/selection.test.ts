import { describe, expect, it } from 'vitest';
import { BerthError } from '../../lib/errors.js';
import type { TempestSelection } from '../../lib/profile/model.js';
import {
  excludeList,
  includeList,
  narrowSuites,
  parseResults,
  selectSuites,
  summarize,
  toJUnitCases,
} from '../../lib/tempest/selection.js';

const selection: TempestSelection = {
  image: { name: 'example/tempest:1', build: { context: '/x', dockerfile: 'Dockerfile', args: {} } },
  files: [],
  prepare: [],
  ciSuites: ['identity'],
  suites: [
    { name: 'identity', regex: '^tempest\\.api\\.identity\\.' },
    { name: 'baremetal-api', regex: '^ironic_tempest_plugin\\.tests\\.api\\.' },
  ],
  exclude: [{ regex: 'test_vif', reason: 'no neutron port binding' }],
};

const lines = [
  'a warning the results script did not write',
  JSON.stringify({
    id: 'tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token',
    status: 'success',
    seconds: 0.5,
  }),
  JSON.stringify({
    id: 'tempest.api.identity.admin.v3.test_domains.DomainsTestJSON.test_ldap',
    status: 'skip',
    seconds: 0,
    reason: 'LDAP is not configured',
  }),
  JSON.stringify({
    id: 'ironic_tempest_plugin.tests.api.admin.test_nodes.TestNodes.test_create_node',
    status: 'fail',
    seconds: 2.25,
    traceback: 'Traceback (most recent call last):\n  ...\ntempest.lib.exceptions.BadRequest: Bad request',
  }),
  '{"not": "a test"}',
].join('\n');

describe('Tempest results', () => {
  it('parses only the result lines', () => {
    const tests = parseResults(lines);
    expect(tests.map((t) => t.status)).toEqual(['success', 'skip', 'fail']);
  });

  it('counts each suite’s outcomes by the first expression that matches', () => {
    expect(summarize(selection, parseResults(lines))).toEqual([
      { name: 'identity', passed: 1, failed: 0, skipped: 1, testSeconds: 0.5 },
      { name: 'baremetal-api', passed: 0, failed: 1, skipped: 0, testSeconds: 2.25 },
    ]);
  });

  it('makes one JUnit case per test: class and method, failure with its last line, skip with its reason', () => {
    const cases = toJUnitCases(parseResults(lines), 'install.tempest');
    expect(cases[0]).toEqual({
      classname: 'install.tempest.tempest.api.identity.v3.test_tokens.TokensV3Test',
      name: 'test_create_token',
      timeMs: 500,
    });
    expect(cases[1]!.skipped).toBe('LDAP is not configured');
    expect(cases[2]!.failure).toEqual({
      message: 'tempest.lib.exceptions.BadRequest: Bad request',
      details: expect.stringContaining('Traceback'),
    });
  });

  it('writes stestr’s include and exclude lists, one expression a line', () => {
    expect(includeList(selection)).toBe('^tempest\\.api\\.identity\\.\n^ironic_tempest_plugin\\.tests\\.api\\.\n');
    expect(excludeList(selection)).toBe('test_vif\n');
  });

  it('narrows to named suites and names the known ones for an unknown name', () => {
    expect(selectSuites(selection, ['identity']).suites.map((s) => s.name)).toEqual(['identity']);
    expect(selectSuites(selection, [])).toBe(selection);
    expect(() => selectSuites(selection, ['compute'])).toThrow(BerthError);
    expect(() => selectSuites(selection, ['compute'])).toThrow(/no Tempest suite named compute/);
  });
});

describe('narrowSuites', () => {
  it("keeps each suite's name and runs only its tests that the regex also finds, as stestr and berth both read it", () => {
    const narrowed = narrowSuites(selection, 'TokensV3Test|test_create_node$');
    expect(narrowed.suites.map((s) => s.name)).toEqual(['identity', 'baremetal-api']);
    const ids = [
      'tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token',
      'tempest.api.identity.admin.v3.test_domains.DomainsTestJSON.test_ldap',
      'ironic_tempest_plugin.tests.api.admin.test_nodes.TestNodes.test_create_node',
      // Found by the regex, but in no suite: not run.
      'tempest.api.compute.servers.test_tokens.TokensV3Test.test_x',
    ];
    const runs = (id: string) => narrowed.suites.filter((s) => new RegExp(s.regex).test(id)).map((s) => s.name);
    expect(ids.map(runs)).toEqual([['identity'], [], ['baremetal-api'], []]);
    expect(includeList(narrowed).split('\n').filter(Boolean)).toHaveLength(2);
    expect(narrowSuites(selection, undefined)).toBe(selection);
  });
});
