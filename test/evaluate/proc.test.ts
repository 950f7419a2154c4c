import { describe, expect, it } from 'vitest';
import { memoryOf, processTrees } from '../../lib/evaluate/proc.js';

describe('process trees', () => {
  it('finds every process below the roots, and nothing beside them', () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [20, 1],
      [21, 20],
    ]);
    expect([...processTrees([10], parents)].sort()).toEqual([10, 11, 12]);
    expect([...processTrees([11, 21], parents)].sort()).toEqual([11, 12, 21]);
  });

  it('weighs a live process (this one) and counts a gone one as nothing', () => {
    const self = memoryOf([process.pid]);
    expect(self.bytes).toBeGreaterThan(1024 * 1024);
    expect(memoryOf([2 ** 30]).bytes).toBe(0);
  });
});
