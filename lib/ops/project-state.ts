import { probeOnce } from '../health/probe.js';
import type { ResolvedProfile } from '../profile/model.js';
import type { Instance, Leftover, Runtime } from '../runtime/types.js';

export interface ServiceStatus {
  name: string;
  state: string;
  health: 'healthy' | 'unhealthy' | 'none' | 'unknown';
  image: string;
  ports: string[];
  startedAt: string | null;
}

export interface ProjectStatus {
  project: string;
  services: ServiceStatus[];
  /** Throwaway containers a killed run left; the next deploy or down removes them. */
  leftovers: Leftover[];
}

/** One document describing the project: every declared service, plus containers no longer declared. */
export async function projectStatus(
  runtime: Runtime,
  project: string,
  profile?: ResolvedProfile,
): Promise<ProjectStatus> {
  const [instances, leftovers] = await Promise.all([runtime.list(project), runtime.leftovers(project)]);
  const declared = profile?.services ?? [];
  const names = [...new Set([...declared.map((s) => s.name), ...instances.map((i) => i.service)])];
  const services = await Promise.all(
    names.map(async (name): Promise<ServiceStatus> => {
      const service = declared.find((s) => s.name === name);
      const instance = instances.find((i) => i.service === name);
      return {
        name,
        state: instance ? instance.status : 'absent',
        health: await healthOf(runtime, instance, service?.healthcheck),
        image: service?.image ?? instance?.imageId ?? '',
        ports: (instance?.ports ?? []).map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}`),
        startedAt: instance?.running ? (instance.startedAt ?? null) : null,
      };
    }),
  );
  return { project, services, leftovers };
}

async function healthOf(
  runtime: Runtime,
  instance: Instance | undefined,
  check: ResolvedProfile['services'][number]['healthcheck'],
): Promise<ServiceStatus['health']> {
  if (!instance?.running) return 'unknown';
  if (!check) return 'none';
  const result = await probeOnce(runtime, instance, check.probe, Math.min(check.timeoutMs, 3000));
  return result.ok ? 'healthy' : 'unhealthy';
}
