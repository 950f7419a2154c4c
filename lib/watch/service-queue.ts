import { strongest, type DevAction } from './rules.js';

export interface Work {
  action: DevAction;
  files: string[];
  /** Clock time of the first change that asked for this work: latency is measured from here. */
  firstChangeAt: number;
  /** Files to copy in, for sync. */
  sync?: { hostPath: string; target: string }[];
  /** Commands to run in the container, for exec. */
  commands?: string[][];
}

export type Runner = (service: string, work: Work, signal: AbortSignal) => Promise<void>;

/**
 * At most one action in flight per service. Changes arriving meanwhile coalesce into exactly one
 * follow-up holding the strongest action and every file; a newer change to a service whose rebuild is
 * running cancels that rebuild and starts it again with everything.
 */
export class ServiceQueues {
  private readonly running = new Map<string, { work: Work; controller: AbortController; done: Promise<void> }>();
  private readonly pending = new Map<string, Work>();

  constructor(private readonly run: Runner) {}

  submit(service: string, work: Work): void {
    const current = this.running.get(service);
    if (!current) return void this.start(service, work);
    const queued = this.pending.get(service);
    const merged = merge(queued, work);
    if (current.work.action === 'rebuild' && merged.action === 'rebuild') {
      // The running rebuild is already stale: cancel it; its finish starts the merged follow-up.
      this.pending.set(service, merge({ ...current.work }, merged));
      current.controller.abort();
      return;
    }
    this.pending.set(service, merged);
  }

  /** Resolves when nothing is running or queued. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  cancelAll(): void {
    this.pending.clear();
    for (const r of this.running.values()) r.controller.abort();
  }

  private start(service: string, work: Work): void {
    const controller = new AbortController();
    const done = this.run(service, work, controller.signal)
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(service);
        const next = this.pending.get(service);
        if (next) {
          this.pending.delete(service);
          this.start(service, next);
        }
      });
    this.running.set(service, { work, controller, done });
  }
}

function merge(a: Work | undefined, b: Work): Work {
  if (!a) return { ...b, files: [...b.files] };
  const merged: Work = {
    action: strongest(a.action, b.action)!,
    files: [...new Set([...a.files, ...b.files])],
    firstChangeAt: Math.min(a.firstChangeAt, b.firstChangeAt),
  };
  if (a.sync || b.sync) merged.sync = [...(a.sync ?? []), ...(b.sync ?? [])];
  if (a.commands || b.commands) merged.commands = [...(a.commands ?? []), ...(b.commands ?? [])];
  return merged;
}
