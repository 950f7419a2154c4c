import { expect } from 'vitest';
import { ProfileErrors } from '../../lib/errors.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes a throwaway profiles tree: { 'p/profile.yaml': '...', 'services/x.yaml': '...' }. */
export function profileTree(files: Record<string, string>): {
  root: string;
  stateRoot: string;
  path: (rel: string) => string;
} {
  const root = mkdtempSync(join(tmpdir(), 'berth-profiles-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  const stateRoot = mkdtempSync(join(tmpdir(), 'berth-state-'));
  return { root, stateRoot, path: (rel) => join(root, rel) };
}

/** The ProfileErrors a load throws; fails the test when it throws something else or nothing. */
export function profileErrorsOf(fn: () => unknown): ProfileErrors {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileErrors);
    return e as ProfileErrors;
  }
  throw new Error('expected a ProfileErrors');
}
