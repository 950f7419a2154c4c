import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyCheckouts } from '../../lib/dev/checkouts.js';
import { PRELOAD_TARGET, withDevMounts } from '../../lib/dev/dev-mounts.js';
import { IMPORT_RECORD_TARGET } from '../../lib/dev/loaded-modules.js';
import { loadProfile } from '../../lib/profile/load.js';

/** A checkout of one project (its package with an __init__.py), as --source would name it. */
function checkoutTree(pkg: string): string {
  const dir = mkdtempSync(join(tmpdir(), `berth-${pkg}-`));
  mkdirSync(join(dir, pkg));
  writeFileSync(join(dir, pkg, '__init__.py'), '');
  return dir;
}

/** The undercloud as deployed, and as `berth dev --source PROJECT=…` runs it, by service name. */
function withCheckout(project: string, runtime: 'docker' | 'host' = 'docker') {
  const profile = loadProfile({ profile: 'undercloud', runtime, env: { BERTH_STATE_DIR: '/nonexistent/state' } });
  const dev = withDevMounts(applyCheckouts(profile, { [project]: checkoutTree(project) }));
  return {
    deployed: (name: string) => profile.services.find((s) => s.name === name)!,
    dev: (name: string) => dev.services.find((s) => s.name === name)!,
  };
}
const withHeat = (runtime?: 'docker' | 'host') => withCheckout('heat', runtime).dev;

describe('dev mode: a preloading parent for heat-engine', () => {
  it('wraps the engine’s own command in the helper, mounts it read-only, and reloads through it', () => {
    const engine = withHeat('docker')('heat-engine');
    expect(engine.command!.slice(0, 3)).toEqual(['python3', PRELOAD_TARGET, '--preload']);
    expect(engine.command![3]!.split(',')).toContain('oslo_messaging');
    // heat's own modules are preloaded too: the helper tracks them, since the checkout is BERTH_RECORD_PACKAGES.
    expect(engine.command![3]!.split(',')).toContain('heat.engine.resources.*');
    expect(engine.environment.BERTH_RECORD_PACKAGES).toBe('heat');
    expect(engine.volumes).toContainEqual({
      type: 'bind',
      source: '/nonexistent/state/projects/undercloud/dev/heat-engine/modules',
      target: IMPORT_RECORD_TARGET,
      readOnly: false,
    });
    expect(engine.command!.slice(engine.command!.indexOf('--') + 1)).toEqual([
      'heat-engine',
      '--config-file',
      '/etc/heat/heat.conf',
    ]);
    expect(engine.volumes).toContainEqual({
      type: 'bind',
      source: join(process.cwd(), 'profiles/services/dev/berth-preload.py'),
      target: PRELOAD_TARGET,
      readOnly: true,
    });
    expect(engine.dev!.reload).toEqual(['python3', PRELOAD_TARGET, '--reload']);
  });

  it('gives heat-api the helper through uwsgi, recording its imports, and leaves services without it alone', () => {
    const service = withHeat('docker');
    expect(service('heat-api').dev!.reload).toEqual(['sh', '-c', expect.stringContaining('kill -KILL')]);
    expect(service('heat-api').environment).toMatchObject({
      UWSGI_SHARED_IMPORT: PRELOAD_TARGET,
      BERTH_RECORD_PACKAGES: 'heat',
    });
    expect(service('heat-api').volumes.filter((v) => v.target === IMPORT_RECORD_TARGET)).toHaveLength(1);
    expect(service('nova-conductor').command).toEqual(['nova-conductor', '--config-file', '/etc/nova/nova.conf']);
    expect(service('nova-conductor').volumes.some((v) => v.target === IMPORT_RECORD_TARGET)).toBe(false);
  });

  it('gives keystone’s uwsgi master the helper as its shared-import, and keeps keystone’s own reload', () => {
    const { deployed, dev } = withCheckout('keystone');
    const keystone = dev('keystone');
    expect(keystone.environment.UWSGI_SHARED_IMPORT).toBe(PRELOAD_TARGET);
    expect(keystone.environment.BERTH_PRELOAD_MODULES!.split(',')).toContain('sqlalchemy.orm');
    expect(keystone.volumes.filter((v) => v.target === PRELOAD_TARGET)).toHaveLength(1);
    expect(keystone.command).toEqual(deployed('keystone').command);
    expect(keystone.dev!.reload).toEqual(['sh', '-c', expect.stringContaining('kill -KILL')]);
  });

  it('gives each nova worker the forking parent and nova-api the records alone, its eventlet patched by nova', () => {
    const { deployed, dev } = withCheckout('nova');
    for (const name of ['nova-conductor', 'nova-scheduler', 'nova-compute']) {
      const command = dev(name).command!;
      expect(command.slice(0, 3)).toEqual(['python3', PRELOAD_TARGET, '--preload']);
      // First, so the parent patches it before any library captures an unpatched thread or socket.
      expect(command[3]!.split(',')[0]).toBe('eventlet');
      expect(command.slice(command.indexOf('--') + 1)).toEqual(deployed(name).command);
    }
    const api = dev('nova-api');
    expect(api.environment).toMatchObject({ UWSGI_SHARED_IMPORT: PRELOAD_TARGET, BERTH_RECORD_PACKAGES: 'nova' });
    expect(api.environment.BERTH_PRELOAD_MODULES).toBe('');
    expect(api.command).toEqual(deployed('nova-api').command);
    expect(dev('nova-db').command).toEqual(deployed('nova-db').command);
  });

  it('does not wrap the engine on the host runtime, where no container holds the helper', () => {
    const engine = withHeat('host')('heat-engine');
    expect(engine.command).not.toContain(PRELOAD_TARGET);
    expect(engine.dev!.reload).toBeUndefined();
  });
});
