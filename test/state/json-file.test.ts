import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFile } from '../../lib/state/json-file.js';

describe('JsonFile', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'berth-json-'));

  it('reads the fallback when the file is missing or not JSON', () => {
    const file = join(dir(), 'nested', 'state.json');
    const store = new JsonFile(file, () => ({ empty: true }));
    expect(store.read()).toEqual({ empty: true });
    store.write({ empty: false });
    writeFileSync(file, '{"half');
    expect(store.read()).toEqual({ empty: true });
  });

  it('writes with the mode asked for, in a 0700 directory, leaving no temporary file', () => {
    const root = dir();
    const file = join(root, 'project', 'deployed.json');
    const store = new JsonFile<Record<string, number>>(file, () => ({}), 0o600);
    store.write({ a: 1 });
    store.write({ ...store.read(), b: 2 });
    expect(store.read()).toEqual({ a: 1, b: 2 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'project')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(root, 'project'))).toEqual(['deployed.json']);
  });
});
