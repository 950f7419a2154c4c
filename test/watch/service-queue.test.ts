import { describe, expect, it } from 'vitest';
import { ServiceQueues, type Work } from '../../lib/watch/service-queue.js';

/** A runner whose actions finish when the test releases them. */
function fixture() {
  const calls: { service: string; work: Work; signal: AbortSignal; release: () => void }[] = [];
  const queues = new ServiceQueues(
    (service, work, signal) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ service, work, signal, release: resolve });
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
  );
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { calls, queues, flush };
}
const work = (action: Work['action'], files: string[], at = 0): Work => ({ action, files, firstChangeAt: at });

describe('ServiceQueues', () => {
  it('runs one action per service at a time and coalesces changes into exactly one follow-up', async () => {
    const { calls, queues, flush } = fixture();
    queues.submit('api', work('restart', ['a.py'], 1));
    queues.submit('api', work('sync', ['b.html'], 2));
    queues.submit('api', work('restart', ['c.py'], 3));
    queues.submit('db', work('restart', ['d.sql'], 4));
    expect(calls.map((c) => c.service)).toEqual(['api', 'db']);
    calls[0]!.release();
    await flush();
    expect(calls).toHaveLength(3);
    expect(calls[2]!.work).toEqual({ action: 'restart', files: ['b.html', 'c.py'], firstChangeAt: 2 });
    calls[2]!.release();
    calls[1]!.release();
    await queues.idle();
    expect(calls).toHaveLength(3);
  });

  it('cancels a running rebuild when a newer rebuild-worthy change arrives, and rebuilds once with everything', async () => {
    const { calls, queues, flush } = fixture();
    queues.submit('api', work('rebuild', ['requirements.txt'], 1));
    queues.submit('api', work('rebuild', ['Dockerfile'], 2));
    expect(calls[0]!.signal.aborted).toBe(true);
    await flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.work).toEqual({ action: 'rebuild', files: ['requirements.txt', 'Dockerfile'], firstChangeAt: 1 });
  });

  it('does not cancel a running restart for a later change', async () => {
    const { calls, queues } = fixture();
    queues.submit('api', work('restart', ['a.py']));
    queues.submit('api', work('rebuild', ['Dockerfile']));
    expect(calls[0]!.signal.aborted).toBe(false);
  });
});
