import type { BerthEvent } from '../../lib/events/types.js';

/** One JSON document per event per line, for tools that consume berth. */
export function jsonReporter(write: (line: string) => void): (e: BerthEvent) => void {
  return (e) => write(JSON.stringify(e));
}
