import { join } from 'node:path';
import type { ResolvedProfile, ResolvedService } from '../profile/model.js';
import { IMPORT_RECORD_TARGET, importRecordDir } from './loaded-modules.js';

/** Where a service's preload helper is mounted in its container. */
export const PRELOAD_TARGET = '/usr/local/lib/berth/berth-preload.py';

/**
 * In dev mode each service's source trees are bind-mounted over the path it imports from, so a restart
 * needs no copy (kolla's dev mode did the same). Read-only: a container must not write root-owned
 * files (.pyc and the like) into the developer's checkout.
 */
export function withDevMounts(profile: ResolvedProfile): ResolvedProfile {
  return {
    ...profile,
    services: profile.services.map((s) => {
      if (!s.dev?.sources.length) return s;
      const mounted: ResolvedService = {
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
      };
      return profile.runtime === 'docker' ? withPreload(mounted, profile.stateDir) : mounted;
    }),
  };
}

/**
 * A service with a dev `preload` imports the listed libraries once, in a parent that outlives a reload. By
 * default the helper is that parent: it wraps the command and forks the service, and the dev reload asks it for
 * a fresh fork. Only a plain command can be wrapped: with an entrypoint of its own the service is left as it is
 * (and restarts as usual). Under uwsgi the master is the parent: the helper is its shared-import (set through
 * uwsgi's UWSGI_* environment options, so the service's ini stays the one it deploys with), and the service's
 * own reload (its workers killed, the master forking new ones) keeps working as it was.
 *
 * The helper also records which modules of the checkouts' packages each process imports, into a directory of the
 * project's state mounted read-write, so the dev loop can leave a service alone when a save touches none of them.
 */
function withPreload(s: ResolvedService, stateDir: string): ResolvedService {
  const preload = s.dev?.preload;
  if (!preload) return s;
  const helper = { type: 'bind' as const, source: preload.helper, target: PRELOAD_TARGET, readOnly: true };
  const packages = s.dev!.sources.flatMap((src) => (src.mount ? [src.mount] : []));
  const records = {
    type: 'bind' as const,
    source: importRecordDir(stateDir, s.name),
    target: IMPORT_RECORD_TARGET,
    readOnly: false,
  };
  const recording: Record<string, string> = packages.length ? { BERTH_RECORD_PACKAGES: packages.join(',') } : {};
  const volumes = [...s.volumes, helper, ...(packages.length ? [records] : [])];
  if (preload.via === 'uwsgi')
    return {
      ...s,
      environment: {
        ...s.environment,
        UWSGI_SHARED_IMPORT: PRELOAD_TARGET,
        BERTH_PRELOAD_MODULES: preload.modules.join(','),
        ...recording,
      },
      volumes,
    };
  if (!s.command?.length || s.entrypoint?.length) return s;
  return {
    ...s,
    command: ['python3', PRELOAD_TARGET, '--preload', preload.modules.join(','), '--', ...s.command],
    environment: { ...s.environment, ...recording },
    volumes,
    dev: { ...s.dev!, reload: s.dev!.reload ?? ['python3', PRELOAD_TARGET, '--reload'] },
  };
}
