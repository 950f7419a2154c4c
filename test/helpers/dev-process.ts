import type { BerthEvent } from '../../lib/events/types.js';
import { berth } from './engine.js';

/** A running `berth dev --json`, its events collected, with waits that fail with what was seen. */
export function startDev(args: string[], state: string, env?: Record<string, string>) {
  const child = berth(['dev', '--json', ...args], { state, env });
  const events: BerthEvent[] = [];
  let buffer = '';
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as BerthEvent);
  });
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));

  async function waitFor<T extends BerthEvent>(
    pred: (e: BerthEvent) => e is T,
    { after = 0, timeoutMs = 60_000 } = {},
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.slice(after).find(pred);
      if (found) return found;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`event not seen in ${timeoutMs} ms; output:\n${text.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const actions = (service: string, phase: 'start' | 'done' | 'failed', after = 0) =>
    events
      .slice(after)
      .filter(
        (e): e is Extract<BerthEvent, { type: 'dev.action' }> =>
          e.type === 'dev.action' && e.service === service && e.phase === phase,
      );
  const isAction =
    (service: string, phase: 'start' | 'done' | 'failed') =>
    (e: BerthEvent): e is Extract<BerthEvent, { type: 'dev.action' }> =>
      e.type === 'dev.action' && e.service === service && e.phase === phase;
  return { child, events, waitFor, actions, isAction, output: () => text };
}

export { setTimeout as sleep } from 'node:timers/promises';
