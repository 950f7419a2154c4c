import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../lib/profile/load.js';
import { profileErrorsOf, profileTree } from '../helpers/profile-fixture.js';

// A skeleton with a partial task (db-sync, no command yet) and vars its templates and fields read.
const skeleton = `abstract: true
vars:
  url_path: ''
ports:
  - \${direct_port}:\${api_port}
config_files:
  - { source: shared.conf.tmpl, target: /etc/shared.conf }
healthcheck:
  http: { port: '\${api_port}', path: / }
  retries: 10
bootstrap:
  - name: db-sync
  - name: register
    command: [register, '\${service}', 'http://\${service}:\${api_port}\${url_path}']
`;

function tree(files: Record<string, string>, services = '[api]') {
  return profileTree({
    'p/profile.yaml': `name: p\nservices: ${services}\nparameters:\n  api_direct: 18000\n`,
    'services/skeleton.yaml': skeleton,
    'services/shared.conf.tmpl': 'listen ${api_port} as ${service}\n',
    ...files,
  });
}

const api = `extends: skeleton
image: example/api:1
vars:
  api_port: 8080
  direct_port: \${api_direct}
  url_path: /v1
healthcheck:
  retries: 99
bootstrap+:
  - name: db-sync
    command: [api-manage, db_sync]
  - name: seed
    command: [seed]
`;

function load(t: ReturnType<typeof tree>, opts: { envFiles?: string[]; runtime?: 'docker' | 'host' } = {}) {
  return loadProfile({
    profile: 'p',
    profilesRoot: t.root,
    envFiles: opts.envFiles,
    runtime: opts.runtime,
    env: { BERTH_STATE_DIR: t.stateRoot },
  });
}

const errorsOf = profileErrorsOf;

describe('extends, vars and key+', () => {
  it('builds a service from its skeleton: vars in fields and templates, a partial task completed in place', () => {
    const [service] = load(tree({ 'services/api.yaml': api })).services;
    expect(service!.ports[0]).toMatchObject({ hostPort: 18000, containerPort: 8080 });
    expect(service!.configFiles[0]!.content).toBe('listen 8080 as api\n');
    expect(service!.healthcheck?.retries).toBe(99);
    expect(service!.healthcheck?.probe).toMatchObject({ kind: 'http', port: 8080 });
    expect(service!.bootstrap.map((t) => [t.name, t.command])).toEqual([
      ['db-sync', ['api-manage', 'db_sync']],
      ['register', ['register', 'api', 'http://api:8080/v1']],
      ['seed', ['seed']],
    ]);
  });

  it('lets an environment file add to a list with key+ instead of replacing it', () => {
    const t = tree({
      'services/api.yaml': api,
      'env.yaml':
        'services:\n  api:\n    ports+: ["18001:9000"]\n    bootstrap+:\n      - { name: seed, command: [seed, --more] }\n',
    });
    const [service] = load(t, { envFiles: [t.path('env.yaml')] }).services;
    expect(service!.ports.map((p) => p.hostPort)).toEqual([18000, 18001]);
    expect(service!.bootstrap.find((b) => b.name === 'seed')!.command).toEqual(['seed', '--more']);
  });

  it('uses host.vars on the host runtime only', () => {
    const hosted = `${api}host:\n  packages: [api]\n  command: [api]\n  vars: { api_port: 9090 }\n`;
    const t = tree({ 'services/api.yaml': hosted });
    expect(load(t).services[0]!.configFiles[0]!.content).toBe('listen 8080 as api\n');
    expect(load(t, { runtime: 'host' }).services[0]!.configFiles[0]!.content).toBe('listen 9090 as api\n');
  });

  it('names the service file when a skeleton item is left incomplete', () => {
    const incomplete = api.replace(/bootstrap\+:[\s\S]*$/, '');
    const t = tree({ 'services/api.yaml': incomplete });
    const [error] = errorsOf(() => load(t)).errors;
    expect(error!.location.file).toBe(t.path('services/api.yaml'));
    expect(error!.message).toContain('bootstrap["db-sync"].command');
    expect(error!.hint).toContain('skeleton.yaml');
  });

  it('reports a var the chain never sets at the line that uses it, naming where to set it', () => {
    const t = tree({ 'services/api.yaml': api.replace('  direct_port: ${api_direct}\n', '') });
    const [error] = errorsOf(() => load(t)).errors;
    expect(error!.location).toMatchObject({ file: t.path('services/skeleton.yaml'), line: 5 });
    expect(error!.message).toMatch(/: unknown parameter "direct_port"$/);
    expect(error!.hint).toContain(`"vars:" in ${t.path('services/api.yaml')}`);
  });

  it('refuses to enable an abstract service, and says which one to enable', () => {
    const t = tree({ 'services/api.yaml': api }, '[skeleton]');
    const [error] = errorsOf(() => load(t)).errors;
    expect(error!.location).toMatchObject({ file: t.path('p/profile.yaml'), line: 2 });
    expect(error!.message).toContain('"skeleton" is an abstract service');
  });

  it('reports a missing base and an extends cycle at the extends line', () => {
    const missing = tree({ 'services/api.yaml': api.replace('extends: skeleton', 'extends: skeletn') });
    const [error] = errorsOf(() => load(missing)).errors;
    expect(error!.location).toMatchObject({ file: missing.path('services/api.yaml'), line: 1 });
    expect(error!.message).toContain('no service named "skeletn" to extend');
    const cycle = tree({
      'services/api.yaml': api,
      'services/skeleton.yaml': `extends: api\n${skeleton}`,
    });
    expect(errorsOf(() => load(cycle)).errors[0]!.message).toContain(
      'services extend each other in a cycle: api -> skeleton -> api',
    );
  });

  it('resolves a var that names another var, and reports a cycle of vars at the var', () => {
    const chained = api.replace('  url_path: /v1\n', "  url_path: /v1/${version}\n  version: '2'\n");
    expect(load(tree({ 'services/api.yaml': chained })).services[0]!.bootstrap[1]!.command[2]).toBe(
      'http://api:8080/v1/2',
    );
    const cyclic = api.replace('  url_path: /v1\n', '  url_path: ${version}\n  version: ${url_path}\n');
    const t = tree({ 'services/api.yaml': cyclic });
    expect(errorsOf(() => load(t)).errors[0]!.message).toContain('vars refer to each other in a cycle');
  });
});
