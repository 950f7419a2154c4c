import { describe, expect, it } from 'vitest';
import { holdWhileCleaning, pendingCleanups } from '../lib/cleanup-holds.js';

describe('holdWhileCleaning', () => {
  it('is pending while its cleanup runs, with its bound, and not after, even when the cleanup fails', async () => {
    let finish!: () => void;
    const running = holdWhileCleaning('removing node-2', 60_000, () => new Promise<void>((r) => (finish = r)));
    const pending = pendingCleanups();
    expect(pending?.what).toEqual(['removing node-2']);
    expect(pending!.until).toBeGreaterThan(Date.now());
    finish();
    await running;
    expect(pendingCleanups()).toBeUndefined();
    await expect(holdWhileCleaning('failing', 1000, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(pendingCleanups()).toBeUndefined();
  });
});
