import type { ResolvedService } from '../profile/model.js';

/** For each service, the length of the longest chain of services that depend on it, transitively. */
export function chainLengths(services: readonly ResolvedService[]): Map<string, number> {
  const dependents = new Map<string, string[]>(services.map((s) => [s.name, []]));
  for (const s of services) for (const d of s.dependsOn) dependents.get(d.service)?.push(s.name);
  const memo = new Map<string, number>();
  const length = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const value = Math.max(0, ...(dependents.get(name) ?? []).map((d) => 1 + length(d)));
    memo.set(name, value);
    return value;
  };
  return new Map(services.map((s) => [s.name, length(s.name)]));
}
