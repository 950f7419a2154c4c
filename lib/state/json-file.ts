import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One JSON document in the project's state directory. A missing or unreadable file reads as the
 * fallback: the state it held is rebuilt by the next run rather than blocking this one. Writes go
 * through a temporary file and a rename, so a reader never sees half a document.
 */
export class JsonFile<T> {
  constructor(
    readonly file: string,
    private readonly fallback: () => T,
    /** 0600 for documents holding rendered secrets. */
    private readonly mode = 0o644,
  ) {}

  read(): T {
    if (!existsSync(this.file)) return this.fallback();
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as T;
    } catch {
      return this.fallback();
    }
  }

  write(value: T): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2), { mode: this.mode });
    chmodSync(tmp, this.mode);
    renameSync(tmp, this.file);
  }
}
