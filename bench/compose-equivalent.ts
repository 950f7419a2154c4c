import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ResolvedProfile } from '../lib/profile/model.js';

/**
 * The docker-compose (v1.29) file equivalent to a resolved demo profile: same images, same rendered
 * config files (bind-mounted, compose has no copy-in), same environment, same ports. berth's probes
 * become Docker HEALTHCHECKs, and its bootstrap task a one-shot service gated with
 * service_completed_successfully, the closest compose has.
 */
export function writeComposeEquivalent(profile: ResolvedProfile, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const services: Record<string, unknown> = {};
  for (const s of profile.services) {
    const mounts = s.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`);
    s.configFiles.forEach((f, i) => {
      const file = join(dir, `${s.name}-${i}.conf`);
      writeFileSync(file, f.content, { mode: 0o644 });
      mounts.push(`${file}:${f.target}:ro`);
    });
    const deps: Record<string, { condition: string }> = {};
    for (const d of s.dependsOn)
      deps[d.service] = { condition: d.condition === 'healthy' ? 'service_healthy' : 'service_started' };
    for (const task of s.bootstrap) {
      const name = `${s.name}-${task.name}`;
      services[name] = {
        image: s.image,
        command: task.command,
        environment: { ...s.environment, ...task.environment },
        depends_on: { ...deps },
        restart: 'no',
      };
      deps[name] = { condition: 'service_completed_successfully' };
    }
    services[s.name] = {
      image: s.image,
      ...(s.command ? { command: s.command } : {}),
      environment: s.environment,
      ports: s.ports.map((p) => `${p.hostIp}:${p.hostPort}:${p.containerPort}`),
      volumes: mounts,
      depends_on: Object.keys(deps).length ? deps : undefined,
      healthcheck: s.healthcheck
        ? {
            test: healthTest(s.healthcheck.probe),
            interval: `${s.healthcheck.intervalMs}ms`,
            timeout: `${s.healthcheck.timeoutMs}ms`,
            retries: s.healthcheck.retries,
          }
        : undefined,
      stop_signal: s.stopSignal,
      stop_grace_period: `${s.stopTimeoutMs / 1000}s`,
      restart: s.restart,
    };
  }
  const volumes = Object.fromEntries(
    profile.services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume').map((v) => [v.source, {}])),
  );
  const file = join(dir, 'docker-compose.yml');
  // Every string quoted: compose reads YAML 1.1, where a bare `no` is false.
  writeFileSync(
    file,
    stringify(escapeDollars(JSON.parse(JSON.stringify({ services, volumes }))), {
      defaultStringType: 'QUOTE_DOUBLE',
      defaultKeyType: 'PLAIN',
    }),
  );
  return file;
}

/** Compose interpolates `$VAR` in every string; berth's values are already final. */
function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)]));
  return value;
}

function healthTest(probe: NonNullable<ResolvedProfile['services'][number]['healthcheck']>['probe']): string[] {
  if (probe.kind === 'exec') return ['CMD', ...probe.command];
  if (probe.kind === 'tcp') return ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${probe.port}`];
  // The same GET, from inside the container: bash's /dev/tcp, since the images carry no curl.
  return [
    'CMD',
    'bash',
    '-c',
    `exec 3<>/dev/tcp/127.0.0.1/${probe.port} && printf 'GET ${probe.path} HTTP/1.0\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' ${probe.status[0]} '`,
  ];
}
