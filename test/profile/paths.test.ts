import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../lib/profile/load.js';
import { profileErrorsOf, profileTree } from '../helpers/profile-fixture.js';

function load(t: ReturnType<typeof profileTree>) {
  return loadProfile({ profile: 'p', profilesRoot: t.root, env: { BERTH_STATE_DIR: t.stateRoot } });
}
const profile = (services: string) => `name: p\nservices: [${services}]\n`;

describe('files a profile may make berth read', () => {
  it('refuses a relative path that climbs out of the profile tree, at its line', () => {
    const t = profileTree({
      'p/profile.yaml': profile('web'),
      'services/web.yaml': 'image: x\nconfig_files:\n  - { source: ../../../../etc/hostname, target: /etc/h }\n',
    });
    const [error] = profileErrorsOf(() => load(t)).errors;
    expect(error!.location).toMatchObject({ file: t.path('services/web.yaml'), line: 3 });
    expect(error!.message).toContain('"../../../../etc/hostname" leaves the profile tree');
  });

  it('allows an absolute path, and lists it as read from outside the tree', () => {
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'berth-outside-')), 'x.conf');
    writeFileSync(elsewhere, 'kept\n');
    const t = profileTree({
      'p/profile.yaml': profile('web'),
      'services/web.yaml': `image: x\nconfig_files:\n  - { source: ${elsewhere}, target: /etc/x }\n`,
    });
    const loaded = load(t);
    expect(loaded.services[0]!.configFiles[0]!.content).toBe('kept\n');
    expect(loaded.outside).toEqual([elsewhere]);
  });

  it('does not read a service file that links out of the tree', () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'berth-secret-')), 'id_rsa');
    writeFileSync(secret, 'PRIVATE KEY LINE\n');
    const t = profileTree({ 'p/profile.yaml': profile('web'), 'services/other.yaml': 'image: x\n' });
    symlinkSync(secret, t.path('services/web.yaml'));
    const errors = profileErrorsOf(() => load(t)).errors.map((e) => e.message);
    expect(errors[0]).toContain('links to a file outside the profile tree');
    expect(errors.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('refuses a service file that is not UTF-8, naming the line of the first bad byte', () => {
    const t = profileTree({ 'p/profile.yaml': profile('web'), 'services/web.yaml': 'image: x\n' });
    writeFileSync(t.path('services/web.yaml'), Buffer.from('image: x\nenvironment:\n  NAME: caf\xe9\n', 'latin1'));
    const [error] = profileErrorsOf(() => load(t)).errors;
    expect(error!.location).toMatchObject({ file: t.path('services/web.yaml'), line: 3 });
    expect(error!.message).toContain('not UTF-8');
  });

  it('warns of a port on every interface, a bind mount of /, and a volume two services write', () => {
    const t = profileTree({
      'p/profile.yaml': profile('a, b'),
      'services/a.yaml': 'image: x\nports: ["0.0.0.0:18080:80"]\nvolumes: ["data:/d", "/:/host:ro"]\n',
      'services/b.yaml': 'image: x\nvolumes: ["data:/d"]\n',
    });
    expect(load(t).warnings).toEqual([
      'service a publishes host port 18080 on every interface (0.0.0.0), not only 127.0.0.1',
      "service a bind-mounts the host's / at /host (read-only)",
      'volume data is mounted read-write by a and b; add ":ro" where one only reads it',
    ]);
  });
});
