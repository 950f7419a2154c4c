import { describe, expect, it } from 'vitest';
import { Batcher, type Batch } from '../../lib/watch/batcher.js';
import { FakeClock } from '../helpers/fake-clock.js';

function fixture(opts = { quietMs: 150, capMs: 2000, burstThreshold: 5, settleQuietMs: 500, maxMs: 30_000 }) {
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

  it('a stream still arriving when the cap comes is a slow burst: it settles, and is handed over whole', () => {
    const { clock, batches, batcher } = fixture({
      quietMs: 150,
      capMs: 1000,
      burstThreshold: 1000,
      settleQuietMs: 500,
      maxMs: 30_000,
    });
    for (let t = 0; t < 1500; t += 100) {
      batcher.add(`f${t}`);
      clock.advance(100);
    }
    expect(batches).toEqual([]);
    clock.advance(399);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ firstAt: 0, settled: true, at: 1900 });
    expect(batches[0]!.items).toHaveLength(15);
  });

  it('the same 1,000 files make one batch whether written in 0.1 s or over 15 s', () => {
    for (const spanMs of [100, 15_000]) {
      const { clock, batches, batcher } = fixture({
        quietMs: 150,
        capMs: 2000,
        burstThreshold: 200,
        settleQuietMs: 500,
        maxMs: 30_000,
      });
      for (let i = 0; i < 1000; i++) {
        batcher.add(`f${i}`);
        clock.advance(spanMs / 1000);
      }
      clock.advance(10_000);
      expect(batches.map((b) => b.items.length)).toEqual([1000]);
    }
  });

  it('a stream that never stops is still handed over at the maximum', () => {
    const { clock, batches, batcher } = fixture({
      quietMs: 150,
      capMs: 1000,
      burstThreshold: 1000,
      settleQuietMs: 500,
      maxMs: 5000,
    });
    for (let t = 0; t < 12_000; t += 100) {
      batcher.add(`f${t}`);
      clock.advance(100);
    }
    expect(batches[0]).toMatchObject({ firstAt: 0, settled: true, at: 5000 });
    expect(batches[0]!.items).toHaveLength(50);
    expect(batches[1]).toMatchObject({ firstAt: 5000, at: 10_000 });
  });

  it('reports how many items it holds while settling, at most once a second', () => {
    const clock = new FakeClock();
    const reports: [number, number][] = [];
    const batcher = new Batcher<string>(
      () => undefined,
      { quietMs: 150, capMs: 1000, burstThreshold: 1000, settleQuietMs: 500, maxMs: 30_000 },
      clock,
      (n) => reports.push([clock.now(), n]),
    );
    for (let t = 0; t < 3000; t += 100) {
      batcher.add(`f${t}`);
      clock.advance(100);
    }
    expect(reports).toEqual([
      [1000, 10],
      [2000, 21],
    ]);
  });

  it('enters settle mode on a burst and waits for a longer quiet, ignoring the cap', () => {
    const { clock, batches, batcher } = fixture({
      quietMs: 150,
      capMs: 1000,
      burstThreshold: 5,
      settleQuietMs: 500,
      maxMs: 30_000,
    });
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

  it('on stop, discards what is pending and says how much, handing nothing over afterwards', () => {
    const { clock, batches, batcher } = fixture();
    batcher.add('a');
    batcher.add('b');
    expect(batcher.discard()).toBe(2);
    clock.advance(10_000);
    expect(batches).toEqual([]);
  });
});
