import { describe, expect, it } from 'vitest';
import { Batcher, type Batch } from '../../lib/watch/batcher.js';
import { FakeClock } from '../helpers/fake-clock.js';

function fixture(opts = { quietMs: 150, capMs: 2000, burstThreshold: 5, settleQuietMs: 500 }) {
  const clock = new FakeClock();
  const batches: (Batch<string> & { at: number })[] = [];
  const batcher = new Batcher<string>((b) => batches.push({ ...b, at: clock.now() }), opts, clock);
  return { clock, batches, batcher };
}

describe('Batcher', () => {
  it('closes a batch after the quiet window', () => {
    const { clock, batches, batcher } = fixture();
    batcher.add('a');
    clock.advance(100);
    batcher.add('b');
    clock.advance(149);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([{ items: ['a', 'b'], firstAt: 0, settled: false, at: 250 }]);
  });

  it('makes progress under a continuous stream: the cap closes the batch', () => {
    const { clock, batches, batcher } = fixture({ quietMs: 150, capMs: 1000, burstThreshold: 1000, settleQuietMs: 500 });
    for (let t = 0; t < 1500; t += 100) {
      batcher.add(`f${t}`);
      clock.advance(100);
    }
    expect(batches[0]!.at).toBe(1000);
    expect(batches[0]!.items).toHaveLength(10);
  });

  it('enters settle mode on a burst and waits for a longer quiet, ignoring the cap', () => {
    const { clock, batches, batcher } = fixture({ quietMs: 150, capMs: 1000, burstThreshold: 5, settleQuietMs: 500 });
    for (let i = 0; i < 30; i++) {
      batcher.add(`f${i}`);
      clock.advance(100);
    }
    expect(batches).toEqual([]);
    clock.advance(400);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.items).toHaveLength(30);
    expect(batches[0]!.settled).toBe(true);
    // Settle mode ends with its batch.
    batcher.add('next');
    clock.advance(150);
    expect(batches[1]).toMatchObject({ items: ['next'], settled: false });
  });

  it('enters settle mode when told (a .git/HEAD change)', () => {
    const { clock, batches, batcher } = fixture();
    batcher.add('HEAD', { settle: true });
    clock.advance(150);
    expect(batches).toEqual([]);
    clock.advance(350);
    expect(batches[0]!.settled).toBe(true);
  });
});
