import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes a directory tree takes on disk (allocated blocks, each hard-linked file once), like du. */
export function directoryBytes(root: string): number {
  const seen = new Set<string>();
  let bytes = 0;
  const walk = (path: string) => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    bytes += st.blocks * 512;
    if (st.isDirectory()) for (const entry of safeList(path)) walk(join(path, entry));
  };
  walk(root);
  return bytes;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
