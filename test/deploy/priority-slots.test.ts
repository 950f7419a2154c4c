import { describe, expect, it } from 'vitest';
import { PrioritySlots } from '../../lib/deploy/priority-slots.js';

describe('PrioritySlots', () => {
  it('grants slots to the highest priorities among what became ready together, and never exceeds the size', async () => {
    const slots = new PrioritySlots(2);
    const started: string[] = [];
    let running = 0;
    let peak = 0;
    const job = (name: string, priority: number) =>
      slots.run(priority, async () => {
        started.push(name);
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      });
    await Promise.all([
      job('glance', 0),
      job('neutron', 0),
      job('nova-api', 2),
      job('ironic-api', 1),
      job('heat-api', 1),
    ]);
    expect(started.slice(0, 2)).toEqual(['nova-api', 'ironic-api']);
    expect(started).toHaveLength(5);
    expect(peak).toBe(2);
  });
});
