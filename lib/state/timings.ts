import { join } from 'node:path';
import { JsonFile } from './json-file.js';

/**
 * How long each service's create-to-ready took on earlier runs here (timings.json), or each image's build
 * (build-timings.json): the only honest source of an ETA.
 */
export class Timings {
  private readonly store: JsonFile<Record<string, number>>;

  constructor(projectDir: string, file: 'timings.json' | 'build-timings.json' = 'timings.json') {
    this.store = new JsonFile(join(projectDir, file), () => ({}));
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
 * Remaining time along the steps: a step ends when its slowest unfinished service does (they run in
 * parallel), and steps run one after another; a service starts no sooner than its image is ready
 * (`imageReadyIn`, from build history: 0 when built). Undefined when any service to do, or an image still
 * to build, has no history.
 */
export function estimateRemaining(
  steps: readonly string[][],
  todo: ReadonlySet<string>,
  history: Readonly<Record<string, number>>,
  elapsedOf: (service: string) => number,
  imageReadyIn: (service: string) => number | undefined = () => 0,
): number | undefined {
  let total = 0;
  for (const step of steps) {
    const pending = step.filter((s) => todo.has(s));
    if (pending.length === 0) continue;
    if (pending.some((s) => history[s] === undefined)) return undefined;
    const ends: number[] = [];
    for (const s of pending) {
      const ready = imageReadyIn(s);
      if (ready === undefined) return undefined;
      ends.push(Math.max(total, ready) + Math.max(0, history[s]! - elapsedOf(s)));
    }
    total = Math.max(...ends);
  }
  return total;
}
