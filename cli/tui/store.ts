/**
 * Holds a view and tells React about changes at most every `intervalMs`: a deploy emits hundreds of
 * events a second during builds, and the terminal only needs ~10 frames a second.
 */
export class ThrottledStore<V> {
  private listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private current: V,
    private readonly intervalMs = 100,
  ) {}

  get = (): V => this.current;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  update(fn: (v: V) => V, { now = false } = {}): void {
    this.current = fn(this.current);
    this.dirty = true;
    if (now) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    for (const l of this.listeners) l();
  }
}
