import { describe, expect, it } from 'vitest';
import { dataGenerations } from '../../lib/deploy/data-generation.js';
import { service } from '../helpers/service.js';

const vol = (source: string) => ({ type: 'volume' as const, source, target: `/${source}`, readOnly: false });
const services = [
  service('mariadb', { volumes: [vol('mariadb-data')] }),
  service('memcached'),
  service('keystone', {
    volumes: [vol('keystone-fernet')],
    dependsOn: [
      { service: 'mariadb', condition: 'healthy', restart: false },
      { service: 'memcached', condition: 'healthy', restart: false },
    ],
  }),
];

describe('dataGenerations', () => {
  const before = dataGenerations(
    services,
    new Map([
      ['mariadb-data', 't1'],
      ['keystone-fernet', 't1'],
    ]),
  );

  it("changes a service's generation when a volume it or a dependency mounts is recreated", () => {
    const after = dataGenerations(
      services,
      new Map([
        ['mariadb-data', 't2'],
        ['keystone-fernet', 't1'],
      ]),
    );
    expect(after.get('mariadb')).not.toBe(before.get('mariadb'));
    expect(after.get('keystone')).not.toBe(before.get('keystone'));
    expect(after.get('memcached')).toBe(before.get('memcached'));
  });

  it('is stable while the volumes are', () => {
    expect(
      dataGenerations(
        services,
        new Map([
          ['keystone-fernet', 't1'],
          ['mariadb-data', 't1'],
        ]),
      ),
    ).toEqual(before);
  });
});
