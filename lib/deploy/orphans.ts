import { ServiceFailedError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { PlanAction } from '../plan/plan.js';
import type { Runtime } from '../runtime/types.js';
import type { BootstrapMarkers } from '../state/bootstrap-markers.js';
import { stopAndRemove } from '../services/operations.js';

/**
 * A service that left the composition: its removal tasks run first, in its running container (whose
 * config still reaches the other services). A failing task keeps the container, so the next deploy
 * tries again rather than forgetting what it was meant to undo.
 */
export async function removeOrphan(
  runtime: Runtime,
  orphan: PlanAction,
  bus: EventBus,
  markers: BootstrapMarkers,
): Promise<void> {
  bus.emit({ type: 'service.state', service: orphan.service, state: 'removing' });
  for (const i of orphan.instances) {
    if (!i.running && i.onRemove.length > 0) {
      bus.emit({
        type: 'message',
        level: 'warn',
        text: `${orphan.service} is not running: its removal tasks (${i.onRemove.map((t) => t.name).join(', ')}) were skipped`,
      });
    }
    for (const task of i.running ? i.onRemove : []) {
      bus.emit({ type: 'bootstrap.task', removal: true, service: orphan.service, task: task.name, status: 'start' });
      const result = await runtime.exec(i.id, task.command);
      if (result.exitCode !== 0) {
        bus.emit({
          type: 'bootstrap.task',
          removal: true,
          service: orphan.service,
          task: task.name,
          status: 'failed',
          output: result.output,
        });
        throw new ServiceFailedError(
          orphan.service,
          `removal task "${task.name}" exited with code ${result.exitCode}; the container was kept`,
          result.output.trimEnd().split('\n').slice(-30),
          `Fix what it needs (often a service it talks to) and run "berth deploy" again; "berth down" removes everything without running it.`,
        );
      }
      bus.emit({ type: 'bootstrap.task', removal: true, service: orphan.service, task: task.name, status: 'done' });
    }
    await stopAndRemove(runtime, i);
  }
  // What its bootstrap did may just have been undone: if it comes back, it bootstraps again.
  markers.forget(orphan.service);
  bus.emit({ type: 'service.state', service: orphan.service, state: 'removed' });
}
