import type { BerthEvent, EventInput } from './types.js';

export type Listener = (event: BerthEvent) => void;

/** A synchronous fan-out of core events to reporters; a reporter that throws never breaks a deploy. */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly now: () => number = Date.now) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(input: EventInput): void {
    const event = { ...input, at: this.now() } as BerthEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken reporter must not take the deployment down with it.
      }
    }
  }
}
