import { describe, expect, it } from 'vitest';
import type { OpenStackApi } from '../../lib/openstack/api.js';
import { forgetIronicNode } from '../../lib/nodes/unenroll.js';

type Call = [method: string, path: string, body?: unknown];

/**
 * A stand-in for ironic's API that moves one node through the states ironic would: an abort takes an inspection
 * that waits for the ramdisk to "inspect failed", maintenance is set at once, and the first DELETE meets a lock.
 */
function fakeIronic(node: Record<string, unknown> | undefined) {
  const calls: Call[] = [];
  let lockedOnce = true;
  const api = {
    async call(_service: string, method: string, path: string, opts: { body?: unknown } = {}) {
      calls.push([method, path, opts.body]);
      if (!node) return { status: 404, body: undefined };
      if (method === 'GET') return { status: 200, body: { ...node } };
      if (method === 'PUT' && path.endsWith('/states/provision')) node.provision_state = 'inspect failed';
      if (method === 'PUT' && path.endsWith('/maintenance')) node.maintenance = true;
      if (method === 'DELETE') {
        if (!node.maintenance) return { status: 400, body: 'not in maintenance' };
        if (lockedOnce) {
          lockedOnce = false;
          return { status: 409, body: 'locked' };
        }
        node = undefined;
        return { status: 204, body: undefined };
      }
      return { status: 202, body: undefined };
    },
  };
  return { api: api as unknown as OpenStackApi, calls };
}

const waiting = {
  uuid: 'u-1',
  provision_state: 'inspect wait',
  reservation: null,
  instance_uuid: null,
  maintenance: false,
};

describe('forgetIronicNode', () => {
  it('aborts an inspection, puts the node in maintenance and deletes it, asking again while it is locked', async () => {
    const { api, calls } = fakeIronic({ ...waiting });
    expect(await forgetIronicNode(api, 'node-2')).toBe('u-1');
    const changes = calls.filter(([method]) => method !== 'GET');
    expect(changes).toEqual([
      ['PUT', '/v1/nodes/u-1/states/provision', { target: 'abort' }],
      ['PUT', '/v1/nodes/u-1/maintenance', { reason: 'berth: the virtual node is being removed' }],
      ['DELETE', '/v1/nodes/u-1', undefined],
      ['DELETE', '/v1/nodes/u-1', undefined],
    ]);
  }, 20_000);

  it('has nothing to do for a node ironic does not know', async () => {
    const { api, calls } = fakeIronic(undefined);
    expect(await forgetIronicNode(api, 'node-9')).toBeUndefined();
    expect(calls).toEqual([['GET', '/v1/nodes/node-9', undefined]]);
  });

  it('refuses a node a server is on, and changes nothing', async () => {
    const { api, calls } = fakeIronic({ ...waiting, provision_state: 'active', instance_uuid: 's-1' });
    await expect(forgetIronicNode(api, 'node-1')).rejects.toThrow('has server s-1 on it');
    expect(calls.every(([method]) => method === 'GET')).toBe(true);
  });
});
