import type { Readable } from 'node:stream';
import type { BerthEvent } from '../lib/events/types.js';

/** The JSON-lines events a `berth dev --json` process prints, collected as they come; resolves once it watches. */
export async function devEvents(stdout: Readable): Promise<BerthEvent[]> {
  const events: BerthEvent[] = [];
  let buffer = '';
  stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as BerthEvent);
  });
  while (!events.some((e) => e.type === 'dev.watching')) await new Promise((r) => setTimeout(r, 100));
  return events;
}
