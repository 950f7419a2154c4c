import { BerthError } from '../errors.js';
import type { OpenStackApi } from '../openstack/api.js';
import { IRONIC, type IronicNode } from './enroll.js';
import { until } from './wait.js';

/**
 * Deletes a virtual node's record (and its ports) from ironic, from whatever state enrolling left it in: berth's
 * node is going, and a record left behind would name a BMC that no longer answers. A node under a server is refused:
 * the server goes first. ironic deletes only manageable and enroll nodes unless they are in maintenance, so the node
 * is put in maintenance first; an inspection that is waiting for the ramdisk is aborted, and a node whose conductor
 * holds its lock (a state ending in -ing) is waited for. Gives the UUID deleted, or undefined when ironic had none.
 */
export async function forgetIronicNode(api: OpenStackApi, name: string, timeoutMs = 120_000) {
  const get = async () => {
    const r = await api.call<IronicNode>('baremetal', 'GET', `/v1/nodes/${name}`, {
      headers: IRONIC,
      expect: [200, 404],
    });
    return r.status === 200 ? r.body : undefined;
  };
  const first = await get();
  if (!first) return undefined;
  if (first.instance_uuid)
    throw new BerthError(
      `ironic node ${name} (${first.uuid}) has server ${first.instance_uuid} on it`,
      `Delete the server first: openstack server delete ${first.instance_uuid}.`,
    );
  await until(`ironic to let node ${name} go`, timeoutMs, async () => {
    const node = await get();
    if (!node) return true;
    if (node.provision_state === 'inspect wait') {
      await api.call('baremetal', 'PUT', `/v1/nodes/${node.uuid}/states/provision`, {
        headers: IRONIC,
        body: { target: 'abort' },
        expect: [202, 409],
      });
      return undefined;
    }
    if (node.reservation || /ing$/.test(node.provision_state)) return undefined;
    if (!node.maintenance) {
      await api.call('baremetal', 'PUT', `/v1/nodes/${node.uuid}/maintenance`, {
        headers: IRONIC,
        body: { reason: 'berth: the virtual node is being removed' },
        expect: [202, 409],
      });
      return undefined;
    }
    // 409 while a conductor takes its lock again (a power sync); asked again on the next round.
    const deleted = await api.call('baremetal', 'DELETE', `/v1/nodes/${node.uuid}`, {
      headers: IRONIC,
      expect: [204, 404, 409],
    });
    return deleted.status === 409 ? undefined : true;
  });
  return first.uuid;
}
