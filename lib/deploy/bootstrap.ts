import { BerthError, ServiceFailedError, throwIfAborted } from '../errors.js';
import type { ResolvedService } from '../profile/model.js';
import { errorText } from '../runtime/docker/engine-errors.js';
import type { Instance } from '../runtime/types.js';
import type { ApplyContext } from './apply-service.js';

/** A task that hangs (a migration waiting on a lock forever) must not hold the deploy forever. */
export const TASK_TIMEOUT_MS = 30 * 60_000;

/** A service's tasks of one kind, each once per task hash; a failed or interrupted one reruns next time. */
export async function runBootstrap(
  service: ResolvedService,
  kind: 'container' | 'exec',
  instance: Instance | undefined,
  taskHash: string,
  ctx: ApplyContext,
): Promise<void> {
  for (const task of service.bootstrap.filter((t) => t.run === kind)) {
    if (ctx.markers.done(service.name, task.name, taskHash)) {
      ctx.bus.emit({ type: 'bootstrap.task', service: service.name, task: task.name, status: 'skipped' });
      continue;
    }
    ctx.bus.emit({ type: 'service.state', service: service.name, state: 'bootstrapping', detail: task.name });
    ctx.bus.emit({ type: 'bootstrap.task', service: service.name, task: task.name, status: 'start' });
    const limitMs = task.timeoutMs ?? TASK_TIMEOUT_MS;
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(), limitMs);
    const signal = AbortSignal.any([ctx.signal, timer.signal]);
    const result = await (
      kind === 'container'
        ? ctx.runtime.runOnce(ctx.profile.project, service, task.command, { env: task.environment, signal })
        : ctx.runtime.exec(instance!.id, task.command, { env: task.environment, signal })
    )
      .catch((err: unknown) => {
        if (timer.signal.aborted && !ctx.signal.aborted) {
          ctx.bus.emit({ type: 'bootstrap.task', service: service.name, task: task.name, status: 'failed' });
          throw new ServiceFailedError(
            service.name,
            `bootstrap task "${task.name}" still running after ${limitMs / 1000} s; it was stopped`,
            [],
            `If it needs longer, give the task "timeout:" in ${service.file}; otherwise see why it hangs ("berth logs ${service.name}" for its service).`,
          );
        }
        if (err instanceof BerthError) throw err;
        // The engine refusing to run the task at all (missing executable, bad image) is still this task's failure.
        throw new ServiceFailedError(
          service.name,
          `bootstrap task "${task.name}" could not run: ${errorText(err)}`,
          [],
          `Check the task's command in ${service.file}.`,
        );
      })
      .finally(() => clearTimeout(handle));
    throwIfAborted(ctx.signal);
    if (result.exitCode !== 0) {
      ctx.bus.emit({
        type: 'bootstrap.task',
        service: service.name,
        task: task.name,
        status: 'failed',
        output: result.output,
      });
      const lines = result.output.split('\n').filter(Boolean).slice(-30);
      throw new ServiceFailedError(
        service.name,
        `bootstrap task "${task.name}" failed with exit code ${result.exitCode}`,
        lines,
        `Fix the task in ${service.file}, then run "berth deploy" again; it reruns only unfinished tasks.`,
      );
    }
    ctx.markers.record(service.name, task.name, taskHash);
    ctx.bus.emit({ type: 'bootstrap.task', service: service.name, task: task.name, status: 'done' });
  }
}
