import { join } from 'node:path';
import type { ResolvedProfile } from '../profile/model.js';

/**
 * In dev mode each service's source trees are bind-mounted over the path it imports from, so a restart
 * needs no copy (kolla's dev mode did the same). Read-only: a container must not write root-owned
 * files (.pyc and the like) into the developer's checkout.
 */
export function withDevMounts(profile: ResolvedProfile): ResolvedProfile {
  return {
    ...profile,
    services: profile.services.map((s) =>
      s.dev?.sources.length
        ? {
            ...s,
            volumes: [
              ...s.volumes,
              ...s.dev.sources.map((src) => ({
                type: 'bind' as const,
                source: src.mount ? join(src.path, src.mount) : src.path,
                target: src.target,
                readOnly: true,
              })),
            ],
          }
        : s,
    ),
  };
}
