import { describe, expect, it } from 'vitest';
import { CycleError, dependentsOf, findCycle, steps, topologicalOrder } from '../../lib/graph/graph.js';

const undercloudish = [
  { name: 'mariadb', dependsOn: [] },
  { name: 'rabbitmq', dependsOn: [] },
  { name: 'keystone', dependsOn: ['mariadb'] },
  { name: 'nova-api', dependsOn: ['keystone', 'rabbitmq'] },
  { name: 'nova-conductor', dependsOn: ['nova-api'] },
  { name: 'haproxy', dependsOn: ['keystone', 'nova-api'] },
];

describe('graph', () => {
  it('derives steps from the longest dependency chain', () => {
    expect(steps(undercloudish)).toEqual([
      ['mariadb', 'rabbitmq'],
      ['keystone'],
      ['nova-api'],
      ['haproxy', 'nova-conductor'],
    ]);
  });
  it('orders every service after its dependencies', () => {
    const order = topologicalOrder(undercloudish);
    for (const n of undercloudish)
      for (const d of n.dependsOn) expect(order.indexOf(d)).toBeLessThan(order.indexOf(n.name));
  });
  it('finds a cycle and gives its path', () => {
    const nodes = [
      { name: 'a', dependsOn: ['b'] },
      { name: 'b', dependsOn: ['c'] },
      { name: 'c', dependsOn: ['a'] },
      { name: 'd', dependsOn: [] },
    ];
    expect(findCycle(nodes)).toEqual(['a', 'b', 'c', 'a']);
    expect(() => steps(nodes)).toThrow(new CycleError(['a', 'b', 'c', 'a']));
  });
  it('finds a self-dependency', () => {
    expect(findCycle([{ name: 'a', dependsOn: ['a'] }])).toEqual(['a', 'a']);
  });
  it('lists transitive dependents in dependency order', () => {
    expect(dependentsOf(undercloudish, 'keystone')).toEqual(['nova-api', 'haproxy', 'nova-conductor']);
    expect(dependentsOf(undercloudish, 'nova-conductor')).toEqual([]);
  });
});
