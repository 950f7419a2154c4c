import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleOfFile, readImportRecords, touchesLoaded } from '../../lib/dev/loaded-modules.js';

describe('moduleOfFile', () => {
  it('names the module a checkout file is', () => {
    expect(moduleOfFile('heat/engine/service.py', 'heat')).toBe('heat.engine.service');
    expect(moduleOfFile('heat/engine/__init__.py', 'heat')).toBe('heat.engine');
    expect(moduleOfFile('heat/__init__.py', 'heat')).toBe('heat');
  });

  it('has no module for anything that is not Python source of the package', () => {
    expect(moduleOfFile('heat/engine/templates/x.yaml', 'heat')).toBeUndefined();
    expect(moduleOfFile('heat/engine/_speedups.so', 'heat')).toBeUndefined();
    expect(moduleOfFile('setup.py', 'heat')).toBeUndefined();
    expect(moduleOfFile('heatclient/x.py', 'heat')).toBeUndefined();
    expect(moduleOfFile('heat/engine/my-file.py', 'heat')).toBeUndefined();
  });
});

describe('touchesLoaded', () => {
  const sources = [{ path: '/src/heat', mount: 'heat', target: '/usr/lib/python3/dist-packages/heat' }];
  const loaded = new Set(['heat', 'heat.engine', 'heat.engine.environment']);

  it('leaves a service alone when none of the changed modules is one it imported', () => {
    expect(touchesLoaded(['/src/heat/heat/engine/service.py'], sources, loaded)).toBe(false);
    expect(touchesLoaded(['/src/heat/heat/engine/new_module.py'], sources, loaded)).toBe(false);
  });

  it('acts when any changed module was imported, a package counting by its __init__', () => {
    expect(
      touchesLoaded(['/src/heat/heat/engine/service.py', '/src/heat/heat/engine/environment.py'], sources, loaded),
    ).toBe(true);
    expect(touchesLoaded(['/src/heat/heat/engine/__init__.py'], sources, loaded)).toBe(true);
  });

  it('acts on any file it cannot name as a module: data, templates, files outside a mounted package', () => {
    expect(
      touchesLoaded(['/src/heat/heat/engine/service.py', '/src/heat/etc/heat/api-paste.ini'], sources, loaded),
    ).toBe(true);
    expect(touchesLoaded(['/src/heat/heat/db/migrate_repo/migrate.cfg'], sources, loaded)).toBe(true);
    expect(touchesLoaded(['/elsewhere/heat/engine/service.py'], sources, loaded)).toBe(true);
  });
});

describe('readImportRecords', () => {
  it('is the union of every process’s record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-records-'));
    writeFileSync(join(dir, '7'), 'heat\nheat.api\n');
    writeFileSync(join(dir, '8'), 'heat\nheat.engine\n');
    expect([...readImportRecords(dir)!].sort()).toEqual(['heat', 'heat.api', 'heat.engine']);
  });

  it('says nothing (undefined, so the service acts) when there is no record at all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-records-'));
    expect(readImportRecords(join(dir, 'missing'))).toBeUndefined();
    mkdirSync(join(dir, 'empty'));
    expect(readImportRecords(join(dir, 'empty'))).toBeUndefined();
  });
});
