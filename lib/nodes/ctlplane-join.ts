import { createHash } from 'node:crypto';
import { ensureNodes } from './nodes.js';
import type { CtlplaneMember } from '../profile/model.js';
import { ensureCtlplane, ipIn, must, run, type Ctlplane } from './ctlplane.js';

/** The interface a joined container sees the ctlplane on. */
export const CTLPLANE_IFNAME = 'ctlplane0';

/** The bridge end of a service's veth pair: hashed from its name, as interface names stop at 15 characters. */
export function vethName(service: string, end: 'bridge' | 'peer'): string {
  return `${end === 'bridge' ? 'vc' : 'vp'}-${createHash('sha256').update(service).digest('hex').slice(0, 8)}`;
}

/**
 * Puts a running process's network namespace (a container's, by its PID) on the ctlplane: a veth pair whose one end
 * is on the bridge inside the project's namespace and whose other end is `ctlplane0` in the process's, with the
 * member's address (a member without one gets the link alone, for its own L2 agent to bridge). Nothing else changes
 * in that namespace: its default route stays the engine's, and containers do not forward, so a node on the ctlplane
 * still reaches nothing past the member itself. A namespace that has
 * ctlplane0 already is left alone; a new one (a restarted container) gets a new pair, the old one having gone with
 * the old namespace.
 */
export async function joinCtlplane(
  net: Ctlplane,
  projectStateDir: string,
  service: string,
  pid: number,
  member: CtlplaneMember,
) {
  await ensureCtlplane(net);
  // The project's nodes come back with their ctlplane: a deploy after a down finds their BMCs answering again.
  await ensureNodes(net, projectStateDir);
  const inProcess = (...args: string[]) => ['-t', String(pid), '-n', 'ip', ...args];
  const has = await run('nsenter', inProcess('-o', 'addr', 'show', 'dev', CTLPLANE_IFNAME));
  // An agent that bridges ctlplane0 moves no address but keeps the link: its presence is the whole check then.
  if (has.exitCode !== 0 || (member.address && !has.stdout.includes(` ${member.address}/`))) {
    const bridgeEnd = vethName(service, 'bridge');
    const peer = vethName(service, 'peer');
    // Left by a join that failed part-way; a pair whose peer's namespace went is gone already.
    await ipIn(net, 'link', 'delete', bridgeEnd);
    await must(`making ${bridgeEnd}`, 'ip', [
      '-n',
      net.namespace,
      'link',
      'add',
      bridgeEnd,
      'type',
      'veth',
      'peer',
      peer,
    ]);
    await must(`moving ${peer} to process ${pid}`, 'ip', ['-n', net.namespace, 'link', 'set', peer, 'netns', `${pid}`]);
    await must(`putting ${bridgeEnd} on the bridge`, 'ip', [
      ...['-n', net.namespace, 'link', 'set', bridgeEnd, 'master', net.bridge, 'up'],
    ]);
    await must(`naming ${CTLPLANE_IFNAME}`, 'nsenter', inProcess('link', 'set', peer, 'name', CTLPLANE_IFNAME));
    const prefix = net.cidr.split('/')[1];
    if (member.address)
      await must(`addressing ${CTLPLANE_IFNAME}`, 'nsenter', [
        ...inProcess('addr', 'add', `${member.address}/${prefix}`, 'dev', CTLPLANE_IFNAME),
      ]);
    await must(`bringing up ${CTLPLANE_IFNAME}`, 'nsenter', inProcess('link', 'set', CTLPLANE_IFNAME, 'up'));
  }
}
