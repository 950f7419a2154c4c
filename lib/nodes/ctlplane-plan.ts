import type { ResolvedProfile } from '../profile/model.js';
import type { Ctlplane } from './ctlplane.js';

/** What a deploy does to the project's ctlplane: made when a service joins it and it is not there, else kept. */
export interface CtlplanePlan {
  namespace: string;
  bridge: string;
  cidr: string;
  action: 'create' | 'keep' | 'none';
  /** No address: the link alone, which the service's own L2 agent bridges. */
  members: { service: string; address?: string }[];
  /** Virtual nodes berth node add made: their BMCs and VMs are on it. */
  nodes: string[];
}

export function planCtlplane(
  profile: Pick<ResolvedProfile, 'services'>,
  net: Ctlplane,
  present: { namespace: boolean; nodes: string[] },
): CtlplanePlan {
  const members = profile.services
    .filter((s) => s.ctlplane)
    .map((s) => ({ service: s.name, ...(s.ctlplane!.address ? { address: s.ctlplane!.address } : {}) }));
  const action = present.namespace ? 'keep' : members.length ? 'create' : 'none';
  return { namespace: net.namespace, bridge: net.bridge, cidr: net.cidr, action, members, nodes: present.nodes };
}

/** The plan's line for it, or none when nothing is or will be on a ctlplane. */
export function ctlplaneLine(plan: CtlplanePlan): string | undefined {
  if (plan.action === 'none') return undefined;
  const joined = plan.members.map((m) => `${m.service} ${m.address ?? '(link, bridged by its agent)'}`).join(', ');
  const nodes = plan.nodes.length ? `; nodes ${plan.nodes.join(', ')}` : '';
  return (
    `${plan.action.padEnd(9)} ctlplane  (network namespace ${plan.namespace}, bridge ${plan.bridge} ${plan.cidr}, ` +
    `IPv6 RA; joined by ${joined || 'no service'}${nodes})`
  );
}
