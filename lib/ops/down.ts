import type { EventBus } from '../events/bus.js';
import { describeLeftovers } from '../deploy/leftovers.js';
import type { Runtime } from '../runtime/types.js';

/**
 * Stop and remove the project's containers and network. Named volumes hold data (databases), so they
 * are kept unless the caller passes `volumes: true`, which only an explicit --volumes flag does.
 */
export async function down(
  runtime: Runtime,
  project: string,
  bus: EventBus,
  /** services: the profile's, whose dependencies say the order (a service after all its dependents). */
  opts: { volumes: boolean; services?: readonly { name: string; dependsOn: readonly { service: string }[] }[] },
): Promise<{ removed: string[]; volumesRemoved: string[]; volumesKept: string[] }> {
  // A killed run's throwaway containers would otherwise keep the volumes (and the network) in use.
  const [instances, leftovers] = await Promise.all([runtime.list(project), runtime.removeLeftovers(project)]);
  if (leftovers.length)
    bus.emit({
      type: 'message',
      level: 'info',
      text: `removed ${describeLeftovers(leftovers)} left by an interrupted run`,
    });
  // Each service stops once every service that depends on it is gone, not once a whole step is: one slow
  // dependent holds back only what it depends on. What the profile no longer has (or a down without a
  // profile) goes first.
  const known = new Set((opts.services ?? []).map((s) => s.name));
  const dependents = new Map<string, string[]>();
  for (const s of opts.services ?? [])
    for (const d of s.dependsOn) dependents.set(d.service, [...(dependents.get(d.service) ?? []), s.name]);
  const removed: string[] = [];
  const removals: Promise<void>[] = [];
  // A dependency waits for its dependents to have stopped; their removal goes on beside it.
  const stopAll = (list: typeof instances) =>
    Promise.all(
      list.map(async (i) => {
        bus.emit({ type: 'service.state', service: i.service, state: 'removing' });
        await runtime.stop(i.id);
        const removal = runtime.remove(i.id).then(() => {
          removed.push(i.service);
          bus.emit({ type: 'service.state', service: i.service, state: 'removed' });
        });
        removals.push(removal);
      }),
    ).then(() => undefined);
  const unknownGone = stopAll(instances.filter((i) => !known.has(i.service)));
  const gone = new Map<string, Promise<void>>();
  const removal = (service: string): Promise<void> => {
    let p = gone.get(service);
    if (!p) {
      p = Promise.all([unknownGone, ...(dependents.get(service) ?? []).map(removal)]).then(() =>
        stopAll(instances.filter((i) => i.service === service)),
      );
      gone.set(service, p);
    }
    return p;
  };
  await Promise.all([unknownGone, ...[...known].map(removal)]);
  await Promise.all(removals);
  const volumes = await runtime.teardown(project, { volumes: opts.volumes });
  return { removed, ...volumes };
}
