import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Markers = Record<string, Record<string, string>>;

/**
 * Which bootstrap task last ran for which config hash, so tasks run once per hash and a deploy that was
 * interrupted between "container started" and "tasks done" runs them on the next deploy.
 */
export class BootstrapMarkers {
  private readonly file: string;

  constructor(projectDir: string) {
    this.file = join(projectDir, 'bootstrap.json');
  }

  private read(): Markers {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Markers;
    } catch {
      return {};
    }
  }

  done(service: string, task: string, hash: string): boolean {
    return this.read()[service]?.[task] === hash;
  }

  record(service: string, task: string, hash: string): void {
    const markers = this.read();
    markers[service] = { ...(markers[service] ?? {}), [task]: hash };
    mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(markers, null, 2));
    renameSync(tmp, this.file);
  }

  forget(service: string): void {
    const markers = this.read();
    if (!(service in markers)) return;
    delete markers[service];
    writeFileSync(this.file, JSON.stringify(markers, null, 2));
  }
}
