import { BerthError, EngineUnreachableError, ServiceFailedError } from '../errors.js';
import { waitHealthy, type WaitOptions, type WaitResult } from '../health/probe.js';
import type { ResolvedService } from '../profile/model.js';
import type { Instance, Runtime } from '../runtime/types.js';

/*
 * What deploy, update and its rollback, upgrade and its rollback, berth dev and berth restart do to one
 * service, written once: one way to stop and remove, one way to start and wait, one failure shape
 * (ServiceFailedError with the last log lines).
 */

/** How many of a failed service's log lines an error carries. */
export const FAILURE_LOG_LINES = 30;

/** A one-shot service (restart: no, no health check) is done when it exits 0. */
export const isOneShot = (s: ResolvedService) => s.restart === 'no' && !s.healthcheck;

/** Stop (with the service's stop timeout) and remove an instance. */
export async function stopAndRemove(runtime: Runtime, instance: Instance, stopTimeoutMs?: number): Promise<void> {
  await runtime.stop(instance.id, stopTimeoutMs === undefined ? undefined : { timeoutMs: stopTimeoutMs });
  await runtime.remove(instance.id);
}

/** Stop and remove every instance of the service in the project (there should be one; a crash can leave two). */
export async function removeInstances(runtime: Runtime, project: string, service: ResolvedService): Promise<void> {
  for (const i of (await runtime.list(project)).filter((x) => x.service === service.name)) {
    await stopAndRemove(runtime, i, service.stopTimeoutMs);
  }
}

/** Start an instance and read it back; a start the runtime refuses fails the service with its logs. */
export async function startInstance(
  runtime: Runtime,
  project: string,
  service: ResolvedService,
  id: string,
): Promise<Instance> {
  try {
    await runtime.start(id);
  } catch (err) {
    if (err instanceof EngineUnreachableError) throw err;
    throw new ServiceFailedError(
      service.name,
      (err as Error).message,
      await runtime.logs(id, { tail: FAILURE_LOG_LINES }),
      (err as BerthError).hint,
    );
  }
  return findInstance(runtime, project, service, id, 'right after start');
}

export async function findInstance(
  runtime: Runtime,
  project: string,
  service: ResolvedService,
  id: string,
  when: string,
): Promise<Instance> {
  const found = (await runtime.list(project)).find((i) => i.id === id);
  if (!found) throw new ServiceFailedError(service.name, `its instance disappeared ${when}`, []);
  return found;
}

/** Why a health wait failed, in the words every command uses. */
export function healthFailure(result: WaitResult & { ok: false }): string {
  const why =
    result.exited !== undefined
      ? `exited with code ${result.exited} before its health check passed`
      : `health check never passed after ${result.attempts} probes`;
  return `${why}; last probe: ${result.last.output}`;
}

/**
 * Wait until the instance passes the service's health check (at once when it has none); on failure a
 * ServiceFailedError with the last log lines, `prefix` before the reason and `hint` as the next step.
 */
export async function awaitHealthy(
  runtime: Runtime,
  service: ResolvedService,
  instance: Instance,
  opts: WaitOptions & { prefix?: string; hint?: string } = {},
): Promise<void> {
  if (!service.healthcheck) return;
  const result = await waitHealthy(runtime, instance, service.healthcheck, { initialIntervalMs: 50, ...opts });
  if (result.ok) return;
  throw new ServiceFailedError(
    service.name,
    `${opts.prefix ?? ''}${healthFailure(result)}`,
    await runtime.logs(instance.id, { tail: FAILURE_LOG_LINES }),
    opts.hint ?? `See all logs with "berth logs ${service.name}".`,
  );
}

/** Create a fresh instance of the service, start it and wait for its health. */
export async function createAndAwaitHealthy(
  runtime: Runtime,
  project: string,
  service: ResolvedService,
  labels: Record<string, string>,
  opts: WaitOptions & { prefix?: string; hint?: string } = {},
): Promise<Instance> {
  const id = await runtime.create(project, service, labels);
  const instance = await startInstance(runtime, project, service, id);
  await awaitHealthy(runtime, service, instance, opts);
  return instance;
}

/** Restart an instance in one runtime call (stop signal, then SIGKILL after timeoutMs) and wait for health. */
export async function restartAndAwaitHealthy(
  runtime: Runtime,
  project: string,
  service: ResolvedService,
  id: string,
  opts: WaitOptions & { timeoutMs: number },
): Promise<void> {
  await runtime.restart(id, { timeoutMs: opts.timeoutMs });
  if (!service.healthcheck) return;
  const instance = await findInstance(runtime, project, service, id, 'during restart');
  await awaitHealthy(runtime, service, instance, opts);
}

/** A user-facing error for a service name that has no instance in the project. */
export function notDeployed(name: string, project: string): BerthError {
  return new BerthError(`service ${name} is not deployed in project ${project}`, 'See "berth status".');
}
