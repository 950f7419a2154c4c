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
      keystone: 'http://127.0.0.1:5000',
    });
  });
});
