import type { EventBus } from '../events/bus.js';
import { describeLeftovers } from '../deploy/leftovers.js';
import type { Runtime } from '../runtime/types.js';
import { stopAndRemove } from '../services/operations.js';

/**
 * Stop and remove the project's containers and network. Named volumes hold data (databases), so they
 * are kept unless the caller passes `volumes: true`, which only an explicit --volumes flag does.
 */
export async function down(
  runtime: Runtime,
  project: string,
  bus: EventBus,
  /** steps: the profile's dependency steps; a step stops after every step that depends on it. */
  opts: { volumes: boolean; steps?: string[][] },
): Promise<{ removed: string[]; volumesRemoved: string[]; volumesKept: string[] }> {
  // A killed run's throwaway containers would otherwise keep the volumes (and the network) in use.
  const [instances, leftovers] = await Promise.all([runtime.list(project), runtime.removeLeftovers(project)]);
  if (leftovers.length)
    bus.emit({
      type: 'message',
      level: 'info',
      text: `removed ${describeLeftovers(leftovers)} left by an interrupted run`,
    });
  // Dependents stop before what they depend on; the services of one step, which do not depend on each
  // other, stop at once. What the profile no longer has (or a down without a profile) goes first.
  const rank = (service: string) => {
    const i = opts.steps?.findIndex((step) => step.includes(service)) ?? -1;
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const byRank = new Map<number, typeof instances>();
  for (const i of instances) byRank.set(rank(i.service), [...(byRank.get(rank(i.service)) ?? []), i]);
  const removed: string[] = [];
  for (const r of [...byRank.keys()].sort((a, b) => b - a)) {
    await Promise.all(
      byRank.get(r)!.map(async (i) => {
        bus.emit({ type: 'service.state', service: i.service, state: 'removing' });
        await stopAndRemove(runtime, i);
        removed.push(i.service);
        bus.emit({ type: 'service.state', service: i.service, state: 'removed' });
      }),
    );
  }
  const volumes = await runtime.teardown(project, { volumes: opts.volumes });
  return { removed, ...volumes };
}
