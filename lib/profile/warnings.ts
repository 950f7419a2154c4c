import type { ResolvedService } from './model.js';

/**
 * What a profile may do but should hear about, once per deploy (and in `berth plan`): a port published on
 * every interface (reachable from the network, not just this machine), a bind mount of the host's whole
 * filesystem, and a named volume two services write to at once.
 */
export function profileWarnings(services: readonly ResolvedService[]): string[] {
  const warnings: string[] = [];
  for (const s of services) {
    for (const p of s.ports.filter((p) => p.hostIp === '0.0.0.0')) {
      warnings.push(
        `service ${s.name} publishes host port ${p.hostPort} on every interface (0.0.0.0), not only 127.0.0.1`,
      );
    }
    for (const v of s.volumes.filter((v) => v.type === 'bind' && v.source === '/')) {
      warnings.push(`service ${s.name} bind-mounts the host's / at ${v.target}${v.readOnly ? ' (read-only)' : ''}`);
    }
  }
  const writers = new Map<string, string[]>();
  for (const s of services) {
    for (const v of s.volumes.filter((v) => v.type === 'volume' && !v.readOnly)) {
      writers.set(v.source, [...(writers.get(v.source) ?? []), s.name]);
    }
  }
  for (const [volume, names] of writers) {
    if (names.length > 1) {
      warnings.push(
        `volume ${volume} is mounted read-write by ${names.join(' and ')}; add ":ro" where one only reads it`,
      );
    }
  }
  return warnings;
}
