import { BerthError, throwIfAborted } from '../errors.js';

/**
 * Asks twice a second until `probe` gives a value (or throws), and fails after timeoutMs. An abort ends the wait at
 * once (CancelledError), between probes or during the pause.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    throwIfAborted(signal);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new BerthError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 500);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }
}
