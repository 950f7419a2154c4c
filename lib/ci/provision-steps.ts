import type { RamdiskBuilder } from '../images/ramdisk.js';
import { ctlplaneFor, ipIn, tapName } from '../nodes/ctlplane.js';
import { IRONIC, type Enrolled } from '../nodes/enroll.js';
import { addEnrolledNode } from '../nodes/node-add.js';
import { downNodes, nodeDir, nodesDir, readNodes, type VirtualNode } from '../nodes/nodes.js';
import {
  createServer,
  ctlplaneLeftovers,
  deleteServer,
  processesNaming,
  serverAddress,
  waitForAnswer,
  consoleTail,
} from '../nodes/provision.js';
import { OpenStackApi, readCloud } from '../openstack/api.js';
import type { ResolvedProfile } from '../profile/model.js';
import { BerthError, CancelledError, throwIfAborted } from '../errors.js';
import { until } from '../nodes/wait.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '../runtime/types.js';

/** What the provision job deploys onto: TripleO's names, as the undercloud profile's parameters have them. */
const FLAVOR = 'baremetal';
const IMAGE = 'berth-ramdisk';
const NETWORK = 'provisioning';

/**
 * The Tempest tests the provision job runs on its node: the class that makes one server (and checks its details,
 * listing and deletion), as many as one node fits one at a time. Others that fit are in the README.
 */
export const PROVISION_TEMPEST = {
  suites: ['compute-api'],
  regex: String.raw`\.servers\.test_create_server\.ServersTestJSON\.`,
};

type Step = (name: string, fn: () => Promise<string | void>) => Promise<void>;

/**
 * The provision job's steps after the deploy: what an undercloud is for. A virtual node is made and enrolled (its
 * BMC checked by ironic over IPMI) through to available; nova puts a server on it with the ramdisk deploy, which
 * powers it on and boots it over the ctlplane with iPXE from the conductor's boot server; the booted node answers
 * with its ironic UUID; deleting the server brings the node back to available.
 */
export async function provisionSteps(
  step: Step,
  runtime: Runtime,
  profile: ResolvedProfile,
  builder: RamdiskBuilder,
  signal?: AbortSignal,
) {
  if (!profile.services.some((s) => s.name === 'ironic-conductor' && s.ctlplane))
    throw new BerthError(
      `profile ${profile.name}: no ironic-conductor on the ctlplane, so nothing can be provisioned`,
      'Add -e profiles/undercloud/environments/provisioning.yaml.',
    );
  const net = ctlplaneFor(profile.project, profile.stateDir);
  const nodeOptions = {
    memoryMb: 1024,
    cpus: 1,
    diskGb: 8,
    uefi: false,
    resourceClass: 'baremetal',
    flavor: FLAVOR,
    image: IMAGE,
    physicalNetwork: 'ctlplane',
  };
  let node: VirtualNode | undefined;
  let enrolled: Enrolled | undefined;
  let server: { id: string; node: string } | undefined;
  let api: OpenStackApi | undefined;
  await step('berth node add: enrolled, inspected, available and offered by nova', async () => {
    const added = await addEnrolledNode(profile.project, profile.stateDir, builder, { ...nodeOptions, signal });
    ({ node, enrolled } = added);
    api = await OpenStackApi.connect(readCloud(join(profile.stateDir, 'clouds.yaml')));
    const found = enrolled.inspected;
    if (!found) throw new BerthError('the node was not inspected: no ironic-inspector in the catalog');
    // The VM's own hardware, as the ramdisk found it: 1 CPU, 1024 MB, and 8 GiB of disk less ironic's 1 GiB.
    if (found.cpus !== 1 || found.memory_mb !== 1024 || found.local_gb !== 7)
      throw new BerthError(`inspection found ${JSON.stringify(found)}, not 1 CPU, 1024 MB and 7 GB`);
    const steps = enrolled.steps.map((s) => `${s.step} +${s.ms} ms`).join(', ');
    return `${node.name} is ironic node ${enrolled.uuid}; inspected ${JSON.stringify(found)}; ${steps}`;
  });
  await step(`server create --flavor ${FLAVOR} --image ${IMAGE} reaches ACTIVE`, async () => {
    server = await createServer(api!, {
      name: `${profile.project}-server`,
      flavor: FLAVOR,
      image: IMAGE,
      network: NETWORK,
    });
    if (server.node !== enrolled!.uuid)
      throw new BerthError(`the server landed on ironic node ${server.node}, not on ${enrolled!.uuid}`);
    return `server ${server.id} on node ${server.node}`;
  });
  await step("the deployed node answers at its neutron port's address with its ironic UUID", async () => {
    // No DHCP server but neutron's is on the ctlplane: an answer there is the address its DHCP agent handed out.
    const address = await serverAddress(api!, server!.id);
    const answer = await waitForAnswer(net, address).catch((e: unknown) => {
      // Teardown removes the node's directory: what its console said goes into the failure, or it is lost.
      const said = consoleTail(nodeDir(profile.stateDir, node!.name));
      throw new BerthError(`${(e as Error).message}; node ${node!.name}'s console:\n${said}`);
    });
    if (!answer.includes(`node=${enrolled!.uuid}`))
      throw new BerthError(`the node at ${address} answered "${answer}", not its UUID ${enrolled!.uuid}`);
    return `${address}: ${answer}`;
  });
  await step('server delete returns the node to available', async () => {
    await deleteServer(api!, server!.id, server!.node);
    return `node ${server!.node} available`;
  });
  await step('a node add cancelled during inspection leaves no VM, BMC, tap or ironic record', async () => {
    // What a Ctrl-C does to `berth node add` (its signal aborts), at its slowest step: ironic is inspecting.
    const cancel = new AbortController();
    // Once manageable, the node add asks ironic to inspect; it is cancelled when ironic says it is inspecting.
    let inspecting: Promise<unknown> | undefined;
    let cancelledIn = '';
    const whenInspecting = (name: string) =>
      until(`ironic to inspect ${name}`, 120_000, async () => {
        const n = await api!.call<{ provision_state: string }>('baremetal', 'GET', `/v1/nodes/${name}`, {
          headers: IRONIC,
        });
        return /^inspect(ing| wait)$/.test(n.body.provision_state) ? n.body.provision_state : undefined;
      }).then(
        (state) => {
          cancelledIn = state;
          cancel.abort();
        },
        (e: unknown) => cancel.abort(e),
      );
    const ended = await addEnrolledNode(profile.project, profile.stateDir, builder, {
      ...nodeOptions,
      onStep: (s) => {
        if (s === 'manageable') inspecting = whenInspecting(readNodes(profile.stateDir).at(-1)!.name);
      },
      signal: signal ? AbortSignal.any([cancel.signal, signal]) : cancel.signal,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await inspecting;
    throwIfAborted(signal); // the job itself was cancelled, not only this node add
    if (!cancelledIn) throw new BerthError(`the node add was not cancelled while inspecting: ${String(ended)}`);
    if (!(ended instanceof CancelledError))
      throw new BerthError(`the cancelled node add ended with ${ended ? String(ended) : 'a node'}, not cancelled`);
    const name = /^cancelled: (\S+) was removed/.exec(ended.message)?.[1];
    if (!name) throw new BerthError(`the cancelled node add said "${ended.message}"`);
    const left = [
      ...readNodes(profile.stateDir)
        .filter((n) => n.name === name)
        .map((n) => `node ${n.name} in berth's list`),
      ...processesNaming([nodeDir(profile.stateDir, name) + '/']),
    ];
    const record = await api!.call('baremetal', 'GET', `/v1/nodes/${name}`, { headers: IRONIC, expect: [200, 404] });
    if (record.status !== 404) left.push(`ironic node ${name}`);
    if ((await ipIn(net, 'link', 'show', tapName(name))).exitCode === 0) left.push(`tap ${tapName(name)}`);
    if (left.length) throw new BerthError(`left after the cancelled node add: ${left.join('; ')}`);
    const gone = `${name} is in neither berth's nodes nor ironic, and no process names it`;
    return `cancelled in ironic's "${cancelledIn}": ${ended.message}; ${gone}`;
  });
  // ironic has the password in driver_info, and 21.4 logs whole nodes in places (ironic.conf.tmpl says where).
  await step("the BMC password is in no service's log", async () => {
    const password = readFileSync(node!.passwordFile, 'utf8').trim();
    const instances = await runtime.list(profile.project);
    const leaking: string[] = [];
    for (const i of instances)
      if ((await runtime.logs(i.id, { tail: 1_000_000 })).some((l) => l.includes(password))) leaking.push(i.service);
    if (leaking.length)
      throw new BerthError(`the BMC password of ${node!.name} is in the log of ${leaking.join(', ')}`);
    return `searched the logs of ${instances.length} services`;
  });
}

/** After the project's teardown: the nodes and the ctlplane go too, and nothing of them may be left running. */
export async function provisionTeardown(profile: ResolvedProfile): Promise<string> {
  const removed = await downNodes(profile.project, profile.stateDir, { volumes: true });
  const left = ctlplaneLeftovers(ctlplaneFor(profile.project, profile.stateDir), nodesDir(profile.stateDir));
  if (left.length) throw new BerthError(`left after down --volumes: ${left.join('; ')}`);
  return `ctlplane ${removed.ctlplaneRemoved ? 'removed' : 'absent'}, nodes ${removed.nodesRemoved.join(', ') || 'none'} removed; no namespace or process left`;
}
