import { createHash } from 'node:crypto';
import type { ResolvedService } from '../profile/model.js';

/**
 * A hash of everything that shapes the container (like compose's config-hash label). Fields that only
 * describe the service to people, or only affect `berth dev`'s watcher, are left out so that editing
 * them does not recreate anything.
 */
export function configHash(service: ResolvedService): string {
  const {
    file: _file,
    dev: _dev,
    runTimeoutMs: _runTimeout,
    contributors: _contributors,
    endpoints: _endpoints,
    ...shaping
  } = service;
  return createHash('sha256').update(canonicalJson(shaping)).digest('hex').slice(0, 24);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
