import { describe, expect, it } from 'vitest';
import { deepMerge } from '../../lib/profile/merge.js';

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
