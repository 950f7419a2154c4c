import type { Leftover } from '../runtime/types.js';

/** How a report names throwaway containers a killed run left: how many, and what they were for. */
export function describeLeftovers(found: readonly Leftover[]): string {
  const roles = [...new Set(found.map((l) => l.role))].join(', ');
  return `${found.length} throwaway container${found.length === 1 ? '' : 's'} (${roles})`;
}
