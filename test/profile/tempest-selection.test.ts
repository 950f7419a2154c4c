import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../lib/profile/load.js';
import { profileErrorsOf, profileTree } from '../helpers/profile-fixture.js';

const tempest = (suiteRegex: string) => `name: small
services: [db]
secrets: [admin_password]
parameters: { public_network: public }
tempest:
  image: { name: example/tempest:1, context: ../images/tempest }
  files:
    - { source: tempest.conf.tmpl, target: /etc/tempest/tempest.conf }
  suites:
    - { name: identity, regex: '${suiteRegex}' }
  prepare:
    - { name: network-id, command: 'openstack network show \${public_network}' }
  exclude:
    - { regex: 'test_ldap', reason: no LDAP backend here }
`;

function fixture(profileYaml: string) {
  const t = profileTree({
    'small/profile.yaml': profileYaml,
    'small/tempest.conf.tmpl': '[auth]\nadmin_password = ${admin_password}\n',
    'services/db.yaml': 'image: example/db:1\n',
    'services/agent.yaml': 'image: example/agent:1\n',
    'images/tempest/Dockerfile': 'FROM scratch\n',
  });
  const load = () =>
    loadProfile({ profile: 'small', profilesRoot: t.root, env: { BERTH_STATE_DIR: t.stateRoot }, secrets: 'generate' });
  return { t, load };
}

describe('a profile’s Tempest selection', () => {
  it('resolves the image context, renders the files with secrets, and keeps suites and exclusions', () => {
    const { t, load } = fixture(tempest('^tempest\\.api\\.identity\\.'));
    const selection = load().tempest!;
    expect(selection.image).toEqual({
      name: 'example/tempest:1',
      build: { context: t.path('images/tempest'), dockerfile: 'Dockerfile', args: {} },
    });
    expect(selection.files[0]!.content).toMatch(/^\[auth\]\nadmin_password = [A-Za-z0-9_-]{32}\n$/);
    expect(selection.files[0]!.mode).toBe(0o600);
    expect(selection.suites).toEqual([{ name: 'identity', regex: '^tempest\\.api\\.identity\\.' }]);
    expect(selection.exclude).toEqual([{ regex: 'test_ldap', reason: 'no LDAP backend here' }]);
    expect(selection.prepare).toEqual([
      { name: 'network-id', command: ['/bin/sh', '-c', 'openstack network show public'] },
    ]);
  });

  it('names the file, line and key of a suite that is not a regular expression', () => {
    const { t, load } = fixture(tempest('^tempest\\.api\\.(identity'));
    const e = profileErrorsOf(load);
    expect(e.errors[0]!.message).toMatch(/:10:\d+: tempest\.suites\[0\]\.regex: not a regular expression/);
    expect(e.errors[0]!.message.startsWith(t.path('small/profile.yaml'))).toBe(true);
  });

  it('defaults the CI suites to all of them, and names a CI suite the selection lacks', () => {
    expect(fixture(tempest('^tempest\\.')).load().tempest!.ciSuites).toEqual(['identity']);
    const { load } = fixture(
      tempest('^tempest\\.').replace('  exclude:', '  ci_suites: [identity, compute]\n  exclude:'),
    );
    const e = profileErrorsOf(load);
    expect(e.errors[0]!.message).toMatch(/tempest\.ci_suites\[1\]: "compute" is not one of this selection's suites/);
  });

  it('refuses an exclusion without its reason', () => {
    const { load } = fixture(tempest('^tempest\\.').replace(', reason: no LDAP backend here', ''));
    const e = profileErrorsOf(load);
    expect(e.errors.map((x) => x.message).join('\n')).toMatch(/:14:\d+: tempest\.exclude\[0\]\.reason: missing/);
  });

  it('lifts an exclusion when the service it waits for is deployed, and keeps it while that service is not', () => {
    const exclusions = (service: string) =>
      tempest('^tempest\\.').replace(
        "    - { regex: 'test_ldap', reason: no LDAP backend here }",
        `    - { regex: 'test_ldap', reason: no LDAP backend here }\n` +
          `    - { regex: 'test_agents', reason: no agent here, unless_deployed: ${service} }`,
      );
    expect(fixture(exclusions('db')).load().tempest!.exclude).toEqual([
      { regex: 'test_ldap', reason: 'no LDAP backend here' },
    ]);
    expect(fixture(exclusions('agent')).load().tempest!.exclude).toEqual([
      { regex: 'test_ldap', reason: 'no LDAP backend here' },
      { regex: 'test_agents', reason: 'no agent here' },
    ]);
    const e = profileErrorsOf(fixture(exclusions('nowhere')).load);
    expect(e.errors.map((x) => x.message).join('\n')).toMatch(
      /:15:\d+: tempest\.exclude\[1\]\.unless_deployed: exclusion "test_agents" waits for "nowhere", a service that exists nowhere/,
    );
  });
});
