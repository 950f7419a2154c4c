import { createHash } from 'node:crypto';
import type { ResolvedService } from '../profile/model.js';

/**
 * Bootstrap tasks act on data: keystone's db-sync on mariadb's volume, fernet-setup on its own.
 * A task's marker therefore names the generation of every named volume the service and its
 * dependencies (transitively) mount, so recreated volumes (down --volumes) make the tasks run again.
 */
export function dataGenerations(
  services: readonly ResolvedService[],
  created: ReadonlyMap<string, string>,
): Map<string, string> {
  const byName = new Map(services.map((s) => [s.name, s]));
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(name)) return seen;
    seen.add(name);
    for (const d of byName.get(name)?.dependsOn ?? []) closure(d.service, seen);
    return seen;
  };
  return new Map(
    services.map((s) => {
      const volumes = [...closure(s.name)].flatMap((n) =>
        (byName.get(n)?.volumes ?? [])
          .filter((v) => v.type === 'volume')
          .map((v) => `${v.source}@${created.get(v.source) ?? 'absent'}`),
      );
      return [
        s.name,
        createHash('sha256')
          .update([...new Set(volumes)].sort().join('\n'))
          .digest('hex')
          .slice(0, 12),
      ];
    }),
  );
}
