import { describe, expect, it } from 'vitest';
import { deepMerge, resolveAppends } from '../../lib/profile/merge.js';

describe('deepMerge', () => {
  it('merges mappings key by key, later wins', () => {
    expect(deepMerge({ a: 1, env: { X: '1', Y: '2' } }, { env: { Y: '3', Z: '4' } })).toEqual({
      a: 1,
      env: { X: '1', Y: '3', Z: '4' },
    });
  });
  it('replaces lists whole', () => {
    expect(deepMerge({ ports: ['1:1', '2:2'] }, { ports: ['3:3'] })).toEqual({ ports: ['3:3'] });
  });
  it('deletes a key set to null', () => {
    expect(deepMerge({ a: 1, b: 2 }, { b: null })).toEqual({ a: 1 });
  });
  it('does not modify its inputs', () => {
    const base = { env: { X: '1' } };
    deepMerge(base, { env: { X: '2' } });
    expect(base).toEqual({ env: { X: '1' } });
  });
});

describe('key+ adds to an inherited list', () => {
  it('appends plain items and merges a named item where it stands', () => {
    const base = { bootstrap: [{ name: 'db-create', command: 'a' }, { name: 'db-sync' }], ports: ['1:1'] };
    const merged = deepMerge(base, {
      'bootstrap+': [
        { name: 'db-sync', command: ['sync'] },
        { name: 'register', command: 'r' },
      ],
      'ports+': ['2:2'],
    });
    expect(merged).toEqual({
      bootstrap: [
        { name: 'db-create', command: 'a' },
        { name: 'db-sync', command: ['sync'] },
        { name: 'register', command: 'r' },
      ],
      ports: ['1:1', '2:2'],
    });
  });
  it('keeps key+ pending where nothing is below it, so a later merge still adds', () => {
    const host = deepMerge({ host: { command: 'x' } }, { host: { 'bootstrap+': [{ name: 'extra' }] } });
    expect(host).toEqual({ host: { command: 'x', 'bootstrap+': [{ name: 'extra' }] } });
    const { host: fields, ...service } = { bootstrap: [{ name: 'first' }], ...host };
    expect(resolveAppends(deepMerge(service, fields))).toEqual({
      bootstrap: [{ name: 'first' }, { name: 'extra' }],
      command: 'x',
    });
  });
  it('lets a whole list written later replace a pending key+', () => {
    expect(resolveAppends(deepMerge({ 'ports+': ['1:1'] }, { ports: ['2:2'] }))).toEqual({ ports: ['2:2'] });
  });
  it('resolves key+ beside key in one mapping, wherever each was written', () => {
    expect(resolveAppends({ 'ports+': ['2:2'], ports: ['1:1'] })).toEqual({ ports: ['1:1', '2:2'] });
  });
});
