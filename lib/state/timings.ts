import { join } from 'node:path';
import { JsonFile } from './json-file.js';

/** How long each service's create-to-ready took on earlier runs here: the only honest source of an ETA. */
export class Timings {
  private readonly store: JsonFile<Record<string, number>>;

  constructor(projectDir: string) {
    this.store = new JsonFile(join(projectDir, 'timings.json'), () => ({}));
  }

  read(): Record<string, number> {
    return this.store.read();
  }

  record(durations: Record<string, number>): void {
    if (Object.keys(durations).length === 0) return;
    this.store.write({ ...this.read(), ...durations });
  }
}

/**
 * Remaining time along the steps: a step takes as long as its slowest unfinished service (they run in
 * parallel), steps run one after another. Undefined when any service to do has no history.
 */
export function estimateRemaining(
  steps: readonly string[][],
  todo: ReadonlySet<string>,
  history: Readonly<Record<string, number>>,
  elapsedOf: (service: string) => number,
): number | undefined {
  let total = 0;
  for (const step of steps) {
    const pending = step.filter((s) => todo.has(s));
    if (pending.length === 0) continue;
    if (pending.some((s) => history[s] === undefined)) return undefined;
    total += Math.max(...pending.map((s) => Math.max(0, history[s]! - elapsedOf(s))));
  }
  return total;
}
