import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import type { BootstrapTask, Dependency, DevConfig, HealthCheck, PortBinding, VolumeMount } from './model.js';
import {
  durationMs,
  type DependsOn,
  type Duration,
  type HealthCheck as HealthCheckSchema,
  type PortSpec,
  type ServiceFile,
  type VolumeSpec,
} from './schema.js';

export function parseDuration(value: z.infer<typeof Duration> | undefined, fallbackMs: number): number {
  return value === undefined ? fallbackMs : durationMs(value);
}

/** Ports bind to 127.0.0.1 unless the file names another address: a dev undercloud is not a public server. */
export function parsePort(spec: z.infer<typeof PortSpec>): PortBinding {
  if (typeof spec === 'number') return { hostIp: '127.0.0.1', hostPort: spec, containerPort: spec, protocol: 'tcp' };
  const [body, proto] = spec.split('/') as [string, string | undefined];
  const parts = body.split(':');
  const containerPort = Number(parts.pop());
  const hostPort = parts.length ? Number(parts.pop()) : undefined;
  const hostIp = parts.length ? parts.join(':') : '127.0.0.1';
  return { hostIp, hostPort, containerPort, protocol: proto === 'udp' ? 'udp' : 'tcp' };
}

export function parseVolume(spec: z.infer<typeof VolumeSpec>, baseDir: string): VolumeMount {
  const v =
    typeof spec === 'string'
      ? splitVolume(spec)
      : { source: spec.source, target: spec.target, readOnly: spec.read_only ?? false };
  const isBind = v.source.startsWith('.') || v.source.startsWith('/') || v.source.startsWith('~');
  return {
    type: isBind ? 'bind' : 'volume',
    source: isBind ? resolvePath(baseDir, v.source) : v.source,
    target: v.target,
    readOnly: v.readOnly,
  };
}

function splitVolume(spec: string): { source: string; target: string; readOnly: boolean } {
  const [source, target, mode] = spec.split(':') as [string, string, string | undefined];
  return { source, target, readOnly: mode === 'ro' };
}

export function resolvePath(baseDir: string, path: string): string {
  if (path.startsWith('~/')) return resolve(process.env.HOME ?? '/', path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

export function parseDependsOn(value: z.infer<typeof DependsOn> | undefined): Dependency[] {
  if (!value) return [];
  if (Array.isArray(value)) return value.map((service) => ({ service, condition: 'healthy', restart: false }));
  return Object.entries(value).map(([service, d]) => ({
    service,
    condition: d.condition,
    restart: d.restart ?? false,
  }));
}

export function toCommand(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? ['/bin/sh', '-c', value] : value;
}

export function stringifyEnv(env: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]));
}

export function parseHealthCheck(h: z.infer<typeof HealthCheckSchema> | undefined): HealthCheck | undefined {
  if (!h) return undefined;
  const probe = h.http
    ? {
        kind: 'http' as const,
        port: h.http.port,
        path: h.http.path,
        status: h.http.status ?? [200, 201, 202, 203, 204, 300, 301, 302, 401],
      }
    : h.tcp
      ? { kind: 'tcp' as const, port: h.tcp.port }
      : { kind: 'exec' as const, command: toCommand(h.exec)! };
  return {
    probe,
    intervalMs: parseDuration(h.interval, 1000),
    timeoutMs: parseDuration(h.timeout, 3000),
    retries: h.retries ?? 60,
    startPeriodMs: parseDuration(h.start_period, 0),
  };
}

export function parseBootstrap(tasks: ServiceFile['bootstrap']): BootstrapTask[] {
  return (tasks ?? []).map((t) => ({
    name: t.name,
    run: t.run,
    command: toCommand(t.command)!,
    environment: stringifyEnv(t.environment),
    timeoutMs: t.timeout === undefined ? undefined : parseDuration(t.timeout, 0),
  }));
}

export function parseDev(dev: ServiceFile['dev'], baseDir: string): DevConfig | undefined {
  if (!dev) return undefined;
  return {
    ...(dev.checkout ? { checkout: dev.checkout } : {}),
    ...(dev.reload ? { reload: toCommand(dev.reload) } : {}),
    ...(dev.preload ? { preload: { ...dev.preload, helper: resolvePath(baseDir, dev.preload.helper) } } : {}),
    ...(dev.ready
      ? {
          ready: {
            api: dev.ready.api,
            path: dev.ready.path,
            list: dev.ready.list,
            id: dev.ready.id,
            ...(dev.ready.since ? { since: dev.ready.since } : {}),
            where: dev.ready.where ?? {},
            headers: dev.ready.headers ?? {},
            timeoutMs: parseDuration(dev.ready.timeout, 60_000),
          },
        }
      : {}),
    sources: (dev.sources ?? []).map((s) => ({
      path: resolvePath(baseDir, s.path),
      target: s.target,
      ...(s.mount ? { mount: s.mount } : {}),
    })),
    rules: (dev.rules ?? []).map((r) => ({
      paths: r.paths,
      action: r.action,
      ignore: r.ignore ?? [],
      command: toCommand(r.command),
      target: r.target,
      ...(r.message ? { message: r.message } : {}),
    })),
    restartDependents: dev.restart_dependents ?? false,
    stopTimeoutMs: dev.stop_timeout === undefined ? undefined : parseDuration(dev.stop_timeout, 0),
  };
}
