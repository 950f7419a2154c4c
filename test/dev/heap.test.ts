import { describe, expect, it } from 'vitest';
import { compactHeap } from '../../lib/dev/heap.js';

describe('compactHeap', () => {
  it('frees what nothing references, without leaving a global gc behind', () => {
    const held: { garbage?: object[] } = {};
    held.garbage = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `item ${i}` }));
    compactHeap();
    const holding = process.memoryUsage().heapUsed;
    expect(held.garbage.length).toBe(200_000);
    delete held.garbage;
    compactHeap();
    // 200,000 small objects are well over 10 MB of heap.
    expect(holding - process.memoryUsage().heapUsed).toBeGreaterThan(10 * 1024 * 1024);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
