import type { ResolvedProfile } from '../profile/model.js';
import { notDeployed, restartAndAwaitHealthy } from '../services/operations.js';
import type { Runtime } from '../runtime/types.js';

/** berth restart: one service restarted in place and waited for; returns how long until it was healthy. */
export async function restartService(
  runtime: Runtime,
  profile: ResolvedProfile,
  name: string,
  signal?: AbortSignal,
): Promise<{ ms: number; healthy: boolean }> {
  const service = profile.services.find((s) => s.name === name);
  const instance = (await runtime.list(profile.project)).find((i) => i.service === name);
  if (!service || !instance) throw notDeployed(name, profile.project);
  const started = Date.now();
  await restartAndAwaitHealthy(runtime, profile.project, service, instance.id, {
    timeoutMs: service.stopTimeoutMs,
    signal,
  });
  return { ms: Date.now() - started, healthy: Boolean(service.healthcheck) };
}
