import { describe, expect, it } from 'vitest';
import { endpointsOf } from '../../cli/context.js';
import { loadProfile } from '../../lib/profile/load.js';

describe('the endpoints the deploy summary lists', () => {
  it('names backing services by the protocol they speak, and APIs by http', () => {
    const profile = loadProfile({ profile: 'undercloud-minimal', env: { BERTH_STATE_DIR: '/nonexistent/state' } });
    const urls = Object.fromEntries(endpointsOf(profile).map((e) => [e.service, e.url]));
    expect(urls).toEqual({
      mariadb: 'mysql://127.0.0.1:13306',
      rabbitmq: 'amqp://127.0.0.1:15680',
      memcached: 'memcache://127.0.0.1:11311',
      keystone: 'http://127.0.0.1:5000/v3',
    });
  });

  it('lists the undercloud’s APIs by what they serve, and haproxy once, by its monitor', () => {
    const profile = loadProfile({ profile: 'undercloud', env: { BERTH_STATE_DIR: '/nonexistent/state' } });
    const rows = endpointsOf(profile);
    expect(rows.filter((e) => e.service === 'haproxy')).toEqual([
      { service: 'haproxy', name: 'monitor', url: 'http://127.0.0.1:8404/healthz' },
    ]);
    const byName = Object.fromEntries(rows.filter((e) => e.name).map((e) => [e.name, e.url]));
    expect(byName).toMatchObject({
      identity: 'http://127.0.0.1:5000/v3',
      image: 'http://127.0.0.1:9292',
      compute: 'http://127.0.0.1:8774/v2.1',
      orchestration: 'http://127.0.0.1:8004/v1',
      network: 'http://127.0.0.1:9696',
      baremetal: 'http://127.0.0.1:6385',
      placement: 'http://127.0.0.1:8778',
    });
  });
});
