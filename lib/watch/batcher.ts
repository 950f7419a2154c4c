/**
 * Groups file events into batches. A batch closes after a quiet window with no new event, or when the
 * cap since its first event is reached, so a continuous stream of writes still makes progress.
 * A burst (more than `burstThreshold` events in one batch) or a `.git/HEAD` change switches to settle
 * mode: wait for a longer quiet, ignoring the cap, then hand over everything at once — one minimal
 * plan for a branch switch instead of a restart storm.
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
}

export const DEFAULT_BATCH: BatchOptions = { quietMs: 150, capMs: 2000, burstThreshold: 200, settleQuietMs: 500 };

export interface Batch<T> {
  items: T[];
  /** When the first event of the batch was seen (clock time). */
  firstAt: number;
  settled: boolean;
}

export class Batcher<T> {
  private items: T[] = [];
  private firstAt = 0;
  private settling = false;
  private timer: unknown;

  constructor(
    private readonly flush: (batch: Batch<T>) => void,
    private readonly opts: BatchOptions = DEFAULT_BATCH,
    private readonly clock: Clock = realClock,
  ) {}

  add(item: T, { settle = false } = {}): void {
    const now = this.clock.now();
    if (this.items.length === 0) this.firstAt = now;
    this.items.push(item);
    if (settle || this.items.length > this.opts.burstThreshold) this.settling = true;
    this.schedule(now);
  }

  get pending(): number {
    return this.items.length;
  }

  get inSettleMode(): boolean {
    return this.settling;
  }

  /** Hand over what is pending now (used when stopping). */
  drain(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length) this.emit();
  }

  private schedule(now: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const quiet = this.settling ? this.opts.settleQuietMs : this.opts.quietMs;
    const wait = this.settling ? quiet : Math.max(0, Math.min(quiet, this.firstAt + this.opts.capMs - now));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.emit();
    }, wait);
  }

  private emit(): void {
    const batch = { items: this.items, firstAt: this.firstAt, settled: this.settling };
    this.items = [];
    this.settling = false;
    this.flush(batch);
  }
}
