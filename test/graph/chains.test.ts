import { describe, expect, it } from 'vitest';
import { chainLengths } from '../../lib/graph/chains.js';
import { service } from '../helpers/service.js';

describe('chainLengths', () => {
  it('ranks a service by the longest chain of dependents behind it', () => {
    const dep = (s: string) => ({ service: s, condition: 'healthy' as const, restart: false });
    const lengths = chainLengths([
      service('db'),
      service('keystone', { dependsOn: [dep('db')] }),
      service('placement', { dependsOn: [dep('keystone')] }),
      service('nova-compute', { dependsOn: [dep('placement')] }),
      service('glance', { dependsOn: [dep('keystone')] }),
    ]);
    expect(Object.fromEntries(lengths)).toEqual({ db: 3, keystone: 2, placement: 1, 'nova-compute': 0, glance: 0 });
  });
});
