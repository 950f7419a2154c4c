/**
 * Cleanup that must finish after a cancellation: undoing what a cancelled command made outside the engine (a
 * virtual node and ironic's record of it). The CLI's wind-down after Ctrl-C waits for these, each up to its own
 * bound, instead of exiting after its usual grace; a second Ctrl-C still exits at once.
 */
interface Hold {
  what: string;
  until: number;
}

const holds = new Set<Hold>();

export async function holdWhileCleaning<T>(what: string, boundMs: number, fn: () => Promise<T>): Promise<T> {
  const hold = { what, until: Date.now() + boundMs };
  holds.add(hold);
  try {
    return await fn();
  } finally {
    holds.delete(hold);
  }
}

/** The cleanups still running, and when the last of them runs out of time. */
export function pendingCleanups(): { what: string[]; until: number } | undefined {
  if (!holds.size) return undefined;
  return { what: [...holds].map((h) => h.what), until: Math.max(...[...holds].map((h) => h.until)) };
}
