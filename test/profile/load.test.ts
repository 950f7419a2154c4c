import { existsSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../lib/profile/load.js';
import { instanceLabels } from '../../lib/plan/labels.js';
import { hostConfig } from '../../lib/runtime/docker/container-spec.js';
import { LABEL } from '../../lib/runtime/types.js';
import { profileErrorsOf, profileTree } from '../helpers/profile-fixture.js';

const api = `image: example/api:1
environment:
  DB: \${db_host}
ports:
  - \${api_port}:8080
depends_on: [db]
healthcheck:
  http: { port: 8080, path: /health }
`;
const db = `image: example/db:1
volumes: [data:/var/lib/db]
`;

function tree(extra: Record<string, string> = {}) {
  return profileTree({
    'small/profile.yaml':
      'name: small\nservices: [db, api]\nparameters:\n  db_host: db\n  api_port: 18000\nsecrets: [db_password]\n',
    'services/api.yaml': api,
    'services/db.yaml': db,
    ...extra,
  });
}

function load(
  t: ReturnType<typeof tree>,
  opts: { profile?: string; envFiles?: string[]; project?: string; secrets?: 'generate' | 'read' } = {},
) {
  return loadProfile({
    profile: opts.profile ?? 'small',
    profilesRoot: t.root,
    envFiles: opts.envFiles,
    project: opts.project,
    env: { BERTH_STATE_DIR: t.stateRoot },
    secrets: opts.secrets,
  });
}

const errorOf = profileErrorsOf;

describe('loadProfile', () => {
  it('resolves services in dependency order with interpolated parameters and loopback ports', () => {
    const p = load(tree());
    expect(p.services.map((s) => s.name)).toEqual(['db', 'api']);
    expect(p.steps).toEqual([['db'], ['api']]);
    const apiService = p.services[1]!;
    expect(apiService.environment.DB).toBe('db');
    expect(apiService.ports).toEqual([{ hostIp: '127.0.0.1', hostPort: 18000, containerPort: 8080, protocol: 'tcp' }]);
    expect(apiService.dependsOn).toEqual([{ service: 'db', condition: 'healthy', restart: false }]);
  });

  it('generates secrets once when deploying, 0600 in a 0700 directory, and reuses them', () => {
    const t = tree({ 'services/db.yaml': db + 'environment:\n  PASSWORD: ${db_password}\n' });
    const first = load(t, { secrets: 'generate' }).services[0]!.environment.PASSWORD!;
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const file = join(t.stateRoot, 'projects', 'small', 'secrets', 'db_password');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(load(t).services[0]!.environment.PASSWORD).toBe(first);
  });

  it('only reads secrets when loading to look (plan, status): no file or directory is created', () => {
    const t = tree({ 'services/db.yaml': db + 'environment:\n  PASSWORD: ${db_password}\n' });
    expect(load(t).services[0]!.environment.PASSWORD).toBe('<secret db_password, generated at deploy>');
    expect(existsSync(join(t.stateRoot, 'projects', 'small'))).toBe(false);
  });

  it('merges environment files in order: later wins, mappings merge, a service can be disabled or enabled', () => {
    const t = tree({
      'services/extra.yaml': 'image: example/extra:1\n',
      'one.yaml': 'parameters:\n  api_port: 19000\nservices:\n  api:\n    environment:\n      MODE: one\n',
      'two.yaml': 'services:\n  api:\n    environment:\n      MODE: two\n  extra:\n    enabled: true\n',
    });
    const p = load(t, { envFiles: [t.path('one.yaml'), t.path('two.yaml')] });
    const apiService = p.services.find((s) => s.name === 'api')!;
    expect(apiService.environment).toEqual({ DB: 'db', MODE: 'two' });
    expect(apiService.ports[0]!.hostPort).toBe(19000);
    expect(p.services.map((s) => s.name).sort()).toEqual(['api', 'db', 'extra']);

    const off = profileTree({ ...Object.fromEntries([]) });
    void off;
    const t2 = tree({ 'off.yaml': 'services:\n  api:\n    enabled: false\n' });
    expect(load(t2, { envFiles: [t2.path('off.yaml')] }).services.map((s) => s.name)).toEqual(['db']);
  });

  it('composes profiles that extend others', () => {
    const t = tree({
      'big/profile.yaml': 'name: big\nextends: [small]\nservices: [extra]\n',
      'services/extra.yaml': 'image: x:1\ndepends_on: [api]\n',
    });
    const p = load(t, { profile: 'big' });
    expect(p.name).toBe('big');
    expect(p.steps).toEqual([['db'], ['api'], ['extra']]);
  });

  it('reports malformed YAML with its line', () => {
    const t = tree({ 'services/db.yaml': 'image: example/db:1\nvolumes: [data:/x\nports: 1\n' });
    const e = errorOf(() => load(t));
    expect(e.message).toMatch(/services\/db\.yaml:\d+:\d+: malformed YAML/);
  });

  it('names file, line, column and key for an unknown key, and suggests the nearest', () => {
    const t = tree({ 'services/db.yaml': 'image: example/db:1\nhealthcheck:\n  exec: "true"\n  retires: 3\n' });
    const e = errorOf(() => load(t));
    expect(e.errors[0]!.message).toBe(`${t.path('services/db.yaml')}:4:3: healthcheck.retires: unknown key "retires"`);
    expect(e.errors[0]!.hint).toContain('did you mean "retries"?');
  });

  it('suggests a top-level key too', () => {
    const t = tree({ 'services/db.yaml': 'image: example/db:1\nenviroment:\n  A: b\n' });
    const e = errorOf(() => load(t));
    expect(e.errors[0]!.message).toContain('db.yaml:2:1: enviroment: unknown key');
    expect(e.errors[0]!.hint).toContain('did you mean "environment"?');
  });

  it('reports a wrong type with what was expected and what was found', () => {
    const t = tree({ 'services/db.yaml': 'image: example/db:1\nstop_timeout: [1]\nrestart: sometimes\n' });
    const e = errorOf(() => load(t));
    const messages = e.errors.map((x) => x.message).join('\n');
    expect(messages).toMatch(/db\.yaml:2:15: stop_timeout: /);
    expect(messages).toContain('db.yaml:3:10: restart: expected one of "no", "on-failure", "unless-stopped", "always"');
    // The line is named; what was written there is never quoted (it could be a secret).
    expect(messages).not.toContain('sometimes');
  });

  it('rejects a service with neither image nor build', () => {
    const t = tree({ 'services/db.yaml': 'command: [sleep, "1"]\n' });
    const e = errorOf(() => load(t));
    expect(e.message).toContain('db.yaml:1:1: service "db" has neither "image" nor "build"');
  });

  it('prints the path of a dependency cycle', () => {
    const t = tree({ 'services/db.yaml': db + 'depends_on: [api]\n' });
    const e = errorOf(() => load(t));
    expect(e.message).toMatch(/dependency cycle: (api -> db -> api|db -> api -> db)/);
  });

  it('rejects depends_on naming an unknown service, at its line', () => {
    const t = tree({ 'services/db.yaml': db + 'depends_on: [cache]\n' });
    const e = errorOf(() => load(t));
    expect(e.message).toContain(`${t.path('services/db.yaml')}:3:`);
    expect(e.message).toContain('depends_on[0]: depends on unknown service "cache"');
  });

  it('rejects an undefined parameter instead of interpolating an empty string', () => {
    const t = tree({ 'services/db.yaml': db + 'environment:\n  X: "${nope}"\n' });
    const e = errorOf(() => load(t));
    expect(e.errors[0]!.message).toBe(`${t.path('services/db.yaml')}:4:6: environment.X: unknown parameter "nope"`);
    expect(e.errors[0]!.hint).toContain('Known parameters: api_port, db_host, db_password, host_dir, project');
  });

  it('points at the line of an unknown parameter inside a config template', () => {
    const t = tree({
      'services/db.yaml': db + 'config_files:\n  - source: db.conf\n    target: /etc/db.conf\n',
      'services/db.conf': 'a = 1\nb = ${db_host}\nc = ${missing}\n',
    });
    const e = errorOf(() => load(t));
    expect(e.errors[0]!.message).toBe(
      `${t.path('services/db.conf')}:3:5: unknown parameter "missing" in config template`,
    );
  });

  it('keeps a literal ${ written as $${', () => {
    const t = tree({ 'services/db.yaml': db + 'environment:\n  X: "a$${b}"\n' });
    expect(load(t).services[0]!.environment.X).toBe('a${b}');
  });

  it('refuses an override for a service that is not in the profile', () => {
    const t = tree({ 'e.yaml': 'services:\n  ghost:\n    image: x\n' });
    const e = errorOf(() => load(t, { envFiles: [t.path('e.yaml')] }));
    expect(e.message).toContain('e.yaml:2:3: services.ghost: service "ghost" is not part of profile "small"');
  });

  it('requires health checks on published ports', () => {
    const t = tree({ 'services/db.yaml': db + 'healthcheck:\n  tcp: { port: 5432 }\n' });
    const e = errorOf(() => load(t));
    expect(e.message).toContain('health check port 5432 is not published by "db"');
  });

  it('loads the shipped demo profile', () => {
    const p = loadProfile({ profile: 'demo', env: { BERTH_STATE_DIR: tree().stateRoot } });
    expect(p.services.map((s) => s.name)).toEqual(['demo-cache', 'demo-api', 'demo-proxy']);
    expect(p.verify.length).toBeGreaterThan(0);
  });
});

describe('contributions and removal tasks', () => {
  const proxy = `image: example/proxy:1
config_files:
  - { content: "global\\n", target: /etc/proxy/base.cfg }
ports: ["18404:8404"]
healthcheck:
  http: { port: 8404 }
`;
  const apiWithFrontend =
    api +
    `contributes:
  proxy:
    ports: ["\${api_public_port}:8080"]
    config_files:
      - target: /etc/proxy/conf.d/api.cfg
        content: |
          listen api
            bind :8080
on_remove:
  - { name: deregister, command: [deregister, api] }
`;
  const withProxy = (extra: Record<string, string> = {}) =>
    tree({
      'small/profile.yaml':
        'name: small\nservices: [db, api, proxy]\nparameters:\n  db_host: db\n  api_port: 18000\n  api_public_port: 8080\nsecrets: [db_password]\n',
      'services/api.yaml': apiWithFrontend,
      'services/proxy.yaml': proxy,
      ...extra,
    });

  it('appends what an enabled service contributes to another, interpolated', () => {
    const proxyService = load(withProxy()).services.find((s) => s.name === 'proxy')!;
    expect(proxyService.ports.map((p) => p.hostPort)).toEqual([18404, 8080]);
    expect(proxyService.configFiles.map((c) => [c.target, c.content])).toEqual([
      ['/etc/proxy/base.cfg', 'global\n'],
      ['/etc/proxy/conf.d/api.cfg', 'listen api\n  bind :8080\n'],
    ]);
    expect(proxyService.contributors).toEqual(['api']);
  });

  it('drops a contribution with its service, and ignores one to a service that is not enabled', () => {
    const t = withProxy({ 'off.yaml': 'services:\n  api: { enabled: false }\n' });
    const proxyService = load(t, { envFiles: [join(t.root, 'off.yaml')] }).services.find((s) => s.name === 'proxy')!;
    expect(proxyService.ports.map((p) => p.hostPort)).toEqual([18404]);
    expect(proxyService.configFiles.map((c) => c.target)).toEqual(['/etc/proxy/base.cfg']);
    expect(proxyService.contributors).toBeUndefined();
    const noProxy = withProxy({ 'off.yaml': 'services:\n  proxy: { enabled: false }\n' });
    const apiService = load(noProxy, { envFiles: [join(noProxy.root, 'off.yaml')] }).services.find(
      (s) => s.name === 'api',
    )!;
    expect(apiService.ports.map((p) => p.hostPort)).toEqual([18000]);
  });

  it('keeps removal tasks, and leaves them out (not empty) where a service has none', () => {
    const p = load(withProxy());
    expect(p.services.find((s) => s.name === 'api')!.onRemove).toEqual([
      { name: 'deregister', command: ['deregister', 'api'] },
    ]);
    expect(p.services.find((s) => s.name === 'db')!).not.toHaveProperty('onRemove', []);
    expect(p.services.find((s) => s.name === 'db')!.onRemove).toBeUndefined();
  });

  it('refuses a removal command that carries a secret, at its line', () => {
    const t = withProxy({
      'services/api.yaml': apiWithFrontend.replace('[deregister, api]', '[deregister, "${db_password}"]'),
    });
    const e = errorOf(() => load(t));
    expect(e.errors[0]!.message).toContain('on_remove command of "api" contains a secret');
    expect(e.errors[0]!.location.file).toMatch(/services\/api\.yaml$/);
  });

  it('wants exactly one of source or content for a config file', () => {
    const t = withProxy({
      'services/proxy.yaml': proxy.replace('{ content: "global\\n",', '{ content: x, source: y,'),
    });
    expect(errorOf(() => load(t)).message).toContain('exactly one of source or content');
  });
});

describe('tuning part of a health check', () => {
  it('lets an environment file change only the retries, and still wants one probe in the result', () => {
    const t = tree({
      'tune.yaml': 'services:\n  api:\n    healthcheck: { retries: 3 }\n',
      'both.yaml': 'services:\n  api:\n    healthcheck: { tcp: { port: 8080 } }\n',
    });
    const api = load(t, { envFiles: [join(t.root, 'tune.yaml')] }).services.find((s) => s.name === 'api')!;
    expect(api.healthcheck).toMatchObject({ retries: 3, probe: { kind: 'http', port: 8080, path: '/health' } });
    expect(errorOf(() => load(t, { envFiles: [join(t.root, 'both.yaml')] })).message).toContain(
      'exactly one of http, tcp or exec',
    );
  });
});

describe('environment file parameters', () => {
  it('reports a bad parameter value at its own line', () => {
    const t = tree({ 'e.yaml': 'parameters:\n  api_port: [1, 2]\n' });
    const e = errorOf(() => load(t, { envFiles: [t.path('e.yaml')] }));
    expect(e.errors[0]!.message).toMatch(/e\.yaml:2:13: parameters\.api_port: /);
  });
});

describe('shipped undercloud composition', () => {
  /** The shipped undercloud with these of its environment files, by name; its secrets in a fresh state directory. */
  const undercloud = (envs: string[] = [], runtime?: 'docker' | 'host') =>
    loadProfile({
      profile: 'undercloud',
      runtime,
      envFiles: envs.map((e) => `profiles/undercloud/environments/${e}.yaml`),
      env: { BERTH_STATE_DIR: tree().stateRoot },
    });

  it('no-heat.yaml removes both heat services and their verify checks', () => {
    const full = undercloud();
    const noHeat = undercloud(['no-heat']);
    expect(full.services.map((s) => s.name)).toContain('heat-engine');
    expect(noHeat.services.map((s) => s.name)).not.toContain('heat-api');
    expect(noHeat.services.map((s) => s.name)).not.toContain('heat-engine');
    expect(full.verify.some((v) => v.service.startsWith('heat'))).toBe(true);
    expect(noHeat.verify.some((v) => v.service.startsWith('heat'))).toBe(false);
    expect(noHeat.services).toHaveLength(full.services.length - 2);
  });

  it('ci-fake-nodes.yaml adds the fake-nodes one-shot and its server check; the plain undercloud has neither', () => {
    const plain = undercloud();
    const ci = undercloud(['ci-fake-nodes']);
    const serverCheck = (p: typeof plain) => p.verify.filter((v) => v.service === 'baremetal-fake-nodes');
    expect(plain.services.map((s) => s.name)).not.toContain('baremetal-fake-nodes');
    expect(serverCheck(plain)).toEqual([]);
    const oneShot = ci.services.find((s) => s.name === 'baremetal-fake-nodes')!;
    expect(oneShot.restart).toBe('no');
    expect(oneShot.environment).toMatchObject({
      FAKE_NODES: '12',
      PORTS_PER_NODE: '3',
      RESOURCE_CLASS: 'baremetal',
      FLAVOR: 'baremetal',
      FLAVOR_ALT: 'baremetal-alt',
    });
    expect(oneShot.dependsOn.map((d) => d.service).sort()).toEqual(
      ['glance-api', 'ironic-conductor', 'ironic-neutron-agent', 'nova-compute', 'nova-scheduler'].sort(),
    );
    expect(serverCheck(ci).map((v) => v.client?.join(' '))).toEqual([
      expect.stringContaining('server create --flavor baremetal --image baremetal-image --network provisioning'),
    ]);
  });

  it('neutron-dhcp-agent.yaml adds the agent with its capabilities and check, and lifts its Tempest exclusion', () => {
    const plain = undercloud();
    const dhcp = undercloud(['neutron-dhcp-agent']);
    const agent = dhcp.services.find((s) => s.name === 'neutron-dhcp-agent')!;
    expect(hostConfig('p', agent).CapAdd).toEqual(['NET_ADMIN', 'SYS_ADMIN', 'DAC_READ_SEARCH', 'SYS_PTRACE']);
    expect(hostConfig('p', agent).Init).toBe(true);
    // Every other service's container is as before: no capabilities or init, so no config hash moved.
    for (const s of plain.services)
      expect([hostConfig('p', s).CapAdd, hostConfig('p', s).Init], s.name).toEqual([undefined, undefined]);
    const scheduler = (p: typeof plain) => p.tempest!.exclude.filter((e) => e.regex.includes('dhcp_agent_scheduler'));
    expect(scheduler(plain)).toHaveLength(2);
    // The one left needs an L2 agent, which this environment does not add.
    expect(scheduler(dhcp).map((e) => e.regex)).toEqual([expect.stringContaining('test_list_networks_hosted_by_one')]);
    const portsAdmin = (p: typeof plain) => p.tempest!.exclude.filter((e) => e.regex.includes('PortsAdminExtended'));
    expect(portsAdmin(plain)).toHaveLength(1);
    expect(portsAdmin(undercloud(['ci-fake-nodes']))).toEqual([]);
    expect(dhcp.verify.map((v) => v.name)).toContain('the DHCP agent is alive and hosts the provisioning network');
    expect(plain.verify.map((v) => v.service)).not.toContain('neutron-dhcp-agent');
    // Containers only: on the host it would make namespaces in the host's own network stack.
    const onHost = profileErrorsOf(() => undercloud(['neutron-dhcp-agent'], 'host'));
    expect(onHost.errors.map((e) => e.message).join('\n')).toMatch(
      /service "neutron-dhcp-agent" adds Linux capabilities \(cap_add: NET_ADMIN, SYS_ADMIN, DAC_READ_SEARCH, SYS_PTRACE\).*on the host runtime/,
    );
  });

  it('provisioning.yaml puts the conductor and its boot server on the ctlplane, containers only', () => {
    const plain = undercloud();
    const prov = undercloud(['provisioning']);
    const by = (p: typeof plain, name: string) => p.services.find((s) => s.name === name);
    expect(by(prov, 'ironic-conductor')!.ctlplane).toEqual({ address: '192.168.24.2' });
    expect(by(prov, 'ironic-pxe')!.ctlplane).toEqual({ address: '192.168.24.3' });
    expect(instanceLabels(by(prov, 'ironic-pxe')!)[LABEL.ctlplane]).toBe(JSON.stringify({ address: '192.168.24.3' }));
    // Neutron's DHCP agent joins by its link alone, which its linuxbridge agent bridges into the provisioning network.
    expect(by(prov, 'neutron-dhcp-agent')!.ctlplane).toEqual({});
    expect(by(prov, 'neutron-dhcp-agent')!.command).toContain('bash');
    expect(by(prov, 'ironic-inspector')!.ctlplane).toEqual({ address: '192.168.24.4' });
    // The conductor's ironic.conf differs by two lines: the inspector's inspect interface, and neutron's DHCP.
    const conf = (p: typeof plain) =>
      by(p, 'ironic-conductor')!
        .configFiles.map((f) => f.content)
        .join('\n');
    const changed = (a: string, b: string) => a.split('\n').filter((l) => !b.split('\n').includes(l));
    expect(changed(conf(prov), conf(plain))).toEqual([
      'enabled_inspect_interfaces = no-inspect,inspector,fake',
      'dhcp_provider = neutron',
    ]);
    expect(conf(plain)).toContain('http_url = http://192.168.24.3:8088');
    expect(conf(plain)).toContain('callback_endpoint_override = http://192.168.24.4:5050');
    expect(by(plain, 'ironic-pxe')).toBeUndefined();
    expect(by(plain, 'ironic-inspector')).toBeUndefined();
    for (const s of plain.services) expect(s.ctlplane, s.name).toBeUndefined();
    const onHost = profileErrorsOf(() => undercloud(['provisioning'], 'host'));
    expect(onHost.errors.map((e) => e.message).join('\n')).toMatch(
      /service "ironic-conductor" joins the ctlplane \(ctlplane: address 192\.168\.24\.2\).*on the host/,
    );
  });

  it("refuses a ctlplane address outside the services' range, naming the file and key", () => {
    const t = tree({ 'services/api.yaml': api + 'ctlplane: { address: 192.168.24.100 }\n' });
    const { errors } = errorOf(() => load(t));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe(
      `${t.path('services/api.yaml')}:9:22: ctlplane.address: an address from 192.168.24.2 to .9`,
    );
  });

  it("puts haproxy in front of every API, and no-heat.yaml drops heat's frontend and port", () => {
    const haproxyOf = (envs: string[]) => undercloud(envs).services.find((s) => s.name === 'haproxy')!;
    const full = haproxyOf([]);
    expect(full.ports.map((p) => p.hostPort).sort()).toEqual([5000, 6385, 8004, 8404, 8774, 8778, 9292, 9696]);
    expect(full.configFiles.map((c) => c.target)).toContain('/etc/haproxy/conf.d/heat-api.cfg');
    const noHeat = haproxyOf(['no-heat']);
    expect(noHeat.ports.map((p) => p.hostPort)).not.toContain(8004);
    expect(noHeat.configFiles.map((c) => c.target)).not.toContain('/etc/haproxy/conf.d/heat-api.cfg');
  });

  it('keeps keystone on its own public port where there is no haproxy (undercloud-minimal)', () => {
    const p = loadProfile({ profile: 'undercloud-minimal', env: { BERTH_STATE_DIR: tree().stateRoot } });
    expect(p.services.map((s) => s.name)).not.toContain('haproxy');
    expect(p.services.find((s) => s.name === 'keystone')!.ports.map((x) => x.hostPort)).toEqual([5000]);
    const moved = loadProfile({
      profile: 'undercloud-minimal',
      parameters: { keystone_public_port: 5001 },
      env: { BERTH_STATE_DIR: tree().stateRoot },
    });
    expect(moved.services.find((s) => s.name === 'keystone')!.ports.map((x) => x.hostPort)).toEqual([5001]);
  });
});
