import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevSource } from '../profile/model.js';

/**
 * Where berth-preload's import records for a service live on the host. Its processes write there through a bind
 * mount, so reading them costs a directory listing, not a `docker exec` (about 190 ms each here).
 */
export function importRecordDir(stateDir: string, service: string): string {
  return join(stateDir, 'dev', service, 'modules');
}

/** Where the records are mounted in the service's container (the helper's BERTH_RECORD_DIR). */
export const IMPORT_RECORD_TARGET = '/run/berth-preload/modules';

/**
 * The Python module a file of a checkout is (`heat/engine/service.py` in package heat → `heat.engine.service`), or
 * undefined when it is anything else: a template, a data file, a C extension, a file outside the package.
 */
export function moduleOfFile(rel: string, pkg: string): string | undefined {
  if (!rel.endsWith('.py') || !(rel === `${pkg}.py` || rel.startsWith(`${pkg}/`))) return undefined;
  const parts = rel.slice(0, -'.py'.length).split('/');
  if (parts.at(-1) === '__init__') parts.pop();
  if (parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return undefined;
  return parts.join('.');
}

/**
 * Whether a service must act on changed files (absolute host paths), given every module its processes imported.
 * A module it never imported is read from disk when it first is, so only an imported one makes its code stale;
 * a file that is no module of a checkout it runs from (config, templates, data) always counts.
 */
export function touchesLoaded(files: readonly string[], sources: readonly DevSource[], loaded: ReadonlySet<string>) {
  return files.some((file) => {
    const src = sources.find((s) => s.mount && file.startsWith(`${s.path}/`));
    const module = src && moduleOfFile(file.slice(src.path.length + 1), src.mount!);
    return module === undefined || loaded.has(module);
  });
}

/**
 * Every module any of the service's processes recorded, or undefined when there is no record at all (no helper,
 * a container from before recording, the host runtime): then nothing can be told and the service acts as always.
 * Records of processes that have ended only add modules, which can cause a needless restart but never skip one.
 */
export function readImportRecords(dir: string): Set<string> | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir);
  const loaded = new Set<string>();
  let read = 0;
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch {
      continue; // an ended process's record, removed by the preloading parent while this read the directory
    }
    read++;
    for (const line of text.split('\n')) if (line) loaded.add(line);
  }
  return read ? loaded : undefined;
}
