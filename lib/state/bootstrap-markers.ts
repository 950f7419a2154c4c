import { join } from 'node:path';
import { JsonFile } from './json-file.js';

type Markers = Record<string, Record<string, string>>;

/**
 * Which bootstrap task last ran for which config hash, so tasks run once per hash and a deploy that was
 * interrupted between "container started" and "tasks done" runs them on the next deploy.
 */
export class BootstrapMarkers {
  private readonly store: JsonFile<Markers>;

  constructor(projectDir: string) {
    this.store = new JsonFile(join(projectDir, 'bootstrap.json'), () => ({}));
  }

  done(service: string, task: string, hash: string): boolean {
    return this.store.read()[service]?.[task] === hash;
  }

  record(service: string, task: string, hash: string): void {
    const markers = this.store.read();
    markers[service] = { ...(markers[service] ?? {}), [task]: hash };
    this.store.write(markers);
  }

  forget(service: string): void {
    const markers = this.store.read();
    if (!(service in markers)) return;
    delete markers[service];
    this.store.write(markers);
  }
}
