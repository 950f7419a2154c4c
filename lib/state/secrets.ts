import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Passwords are generated once and reused on every later run, so redeploys keep working against
 * data that was initialised with them. Files are 0600 in a 0700 directory; values never reach events.
 */
export function ensureSecrets(projectDir: string, names: readonly string[]): Record<string, string> {
  const dir = join(projectDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const values: Record<string, string> = {};
  for (const name of names) {
    const file = join(dir, name);
    if (existsSync(file)) {
      values[name] = readFileSync(file, 'utf8').trim();
      chmodSync(file, 0o600);
    } else {
      const value = randomBytes(24).toString('base64url');
      writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
      values[name] = value;
    }
  }
  return values;
}

/**
 * The secrets there are, without writing any: for commands that only look (plan, status, verify). A
 * missing one stands in as a placeholder naming it; nothing is deployed with it, and the deploy that
 * follows generates the real value.
 */
export function readSecrets(projectDir: string, names: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of names) {
    const file = join(projectDir, 'secrets', name);
    values[name] = existsSync(file) ? readFileSync(file, 'utf8').trim() : `<secret ${name}, generated at deploy>`;
  }
  return values;
}
