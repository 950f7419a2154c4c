import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../lib/errors.js';
import { until } from '../../lib/nodes/wait.js';

describe('until', () => {
  it('gives the first value the probe finds', async () => {
    let asked = 0;
    expect(await until('a value', 10_000, async () => (++asked === 2 ? 'found' : undefined))).toBe('found');
    expect(asked).toBe(2);
  });

  it('ends in its pause when the signal aborts, without asking again', async () => {
    const cancel = new AbortController();
    let asked = 0;
    const waiting = until(
      'a value that never comes',
      600_000,
      async () => {
        asked++;
        // Aborted after the first answer, during the pause before a second probe.
        queueMicrotask(() => cancel.abort());
        return undefined;
      },
      cancel.signal,
    );
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(asked).toBe(1);
  });
});
