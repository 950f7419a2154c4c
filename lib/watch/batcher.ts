/**
 * Groups file events into batches. A batch closes after a quiet window with no new event.
 * Settle mode waits for a longer quiet, then hands over everything at once: one minimal plan for a
 * branch switch instead of a restart storm. It starts on a burst (more than `burstThreshold` events in
 * one batch), on a git checkout's own files changing, or when the cap since the first event is reached
 * while events are still arriving: a burst written slowly (a checkout on a slow disk) is still one
 * burst, whatever the write speed. `maxMs` since the first event bounds every batch, so a stream that
 * never stops still makes progress.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface BatchOptions {
  quietMs: number;
  capMs: number;
  burstThreshold: number;
  settleQuietMs: number;
  maxMs: number;
}

export const DEFAULT_BATCH: BatchOptions = {
  quietMs: 150,
  capMs: 2000,
  burstThreshold: 200,
  settleQuietMs: 500,
  maxMs: 30_000,
};

export interface Batch<T> {
  items: T[];
  /** When the first event of the batch was seen (clock time). */
  firstAt: number;
  settled: boolean;
}

export class Batcher<T> {
  private items: T[] = [];
  private firstAt = 0;
  private lastAt = 0;
  private settling = false;
  private reportedAt = -Infinity;
  private timer: unknown;

  constructor(
    private readonly flush: (batch: Batch<T>) => void,
    private readonly opts: BatchOptions = DEFAULT_BATCH,
    private readonly clock: Clock = realClock,
    /** Told, on entering settle mode and then at most once a second, how many items are held so far. */
    private readonly onSettling?: (pending: number) => void,
  ) {}

  add(item: T, { settle = false } = {}): void {
    const now = this.clock.now();
    if (this.items.length === 0) this.firstAt = now;
    this.lastAt = now;
    this.items.push(item);
    if (settle || this.items.length > this.opts.burstThreshold) this.settle(now);
    else if (this.settling && now - this.reportedAt >= 1000) this.report(now);
    this.schedule(now);
  }

  /** Stop: nothing pending is handed over any more; returns how many items were pending. */
  discard(): number {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.items.length;
    this.items = [];
    return pending;
  }

  private settle(now: number): void {
    if (this.settling) {
      if (now - this.reportedAt >= 1000) this.report(now);
      return;
    }
    this.settling = true;
    this.report(now);
  }

  private report(now: number): void {
    this.reportedAt = now;
    this.onSettling?.(this.items.length);
  }

  private schedule(now: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const quiet = this.settling ? this.opts.settleQuietMs : this.opts.quietMs;
    const limit = this.firstAt + (this.settling ? this.opts.maxMs : this.opts.capMs);
    const wait = Math.max(0, Math.min(this.lastAt + quiet, limit) - now);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const at = this.clock.now();
      // The cap came while events are still arriving: a slow burst, not a finished save.
      if (!this.settling && at - this.lastAt < this.opts.quietMs) {
        this.settle(at);
        return this.schedule(at);
      }
      this.emit();
    }, wait);
  }

  private emit(): void {
    const batch = { items: this.items, firstAt: this.firstAt, settled: this.settling };
    this.items = [];
    this.settling = false;
    this.reportedAt = -Infinity;
    this.flush(batch);
  }
}
