/**
 * At most `size` holders at once; waiters are granted highest priority first. Grants are deferred to
 * the next macrotask so that everything that became ready together (all of a step's services once
 * keystone is healthy) competes on priority, instead of the first few callers taking every slot.
 */
export class PrioritySlots {
  private active = 0;
  private waiting: { priority: number; seq: number; grant: () => void }[] = [];
  private seq = 0;
  private scheduled = false;

  constructor(private readonly size: number) {}

  async run<T>(priority: number, fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((grant) => {
      this.waiting.push({ priority, seq: this.seq++, grant });
      this.schedule();
    });
    try {
      return await fn();
    } finally {
      this.active--;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      while (this.active < this.size && this.waiting.length) {
        this.active++;
        this.waiting.shift()!.grant();
      }
    });
  }
}
