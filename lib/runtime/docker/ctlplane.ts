import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import lockfile from 'proper-lockfile';
import { BerthError } from '../../errors.js';
import { ctlplaneFor, type Ctlplane } from '../../nodes/ctlplane.js';
import { joinCtlplane } from '../../nodes/ctlplane-join.js';
import type { CtlplaneMember } from '../../profile/model.js';
import { projectStateDir } from '../../state/paths.js';
import { LABEL } from '../types.js';
import { ensureCtlplaneKeeper, memberFilters } from './ctlplane-keeper.js';

/**
 * A container whose service joins the ctlplane gets its veth after every start: a new container process is a new
 * network namespace. berth's own starts and restarts join it here; the engine's (a restart policy after a crash, the
 * engine itself restarting) are seen by the project's keeper (ctlplane-keeper.ts), which the first join starts and
 * which joins them here too. Joins hold the ctlplane's lock, as berth and the keeper may see one start together.
 */
export async function joinCtlplaneIfMember(
  docker: Docker,
  id: string,
): Promise<{ service: string; pid: number } | undefined> {
  const labels = (await docker.getContainer(id).inspect()).Config.Labels ?? {};
  const label = labels[LABEL.ctlplane];
  if (!label) return undefined;
  const project = labels[LABEL.project]!;
  const service = labels[LABEL.service]!;
  const member = JSON.parse(label) as CtlplaneMember;
  const stateDir = projectStateDir(project);
  const net = ctlplaneFor(project, stateDir);
  return withJoinLock(net, async () => {
    // Read under the lock: the process that joined before may have seen an older start of the same container.
    const info = await docker.getContainer(id).inspect();
    if (!info.State.Running || !info.State.Pid)
      throw new BerthError(`${service}: cannot join the ctlplane, its container is not running (${info.State.Status})`);
    try {
      await joinCtlplane(net, stateDir, service, info.State.Pid, member);
    } catch (cause) {
      const now = await docker.getContainer(id).inspect();
      if (now.State.Pid === info.State.Pid && now.State.Running) throw cause;
      throw new BerthError(
        `${service}: its container stopped while berth joined it to the ctlplane (${now.State.Status}, exit ` +
          `${now.State.ExitCode})`,
        `See "berth logs ${service}".`,
      );
    }
    ensureCtlplaneKeeper(net);
    return { service, pid: info.State.Pid };
  });
}

/**
 * One join at a time per ctlplane, across processes. A join takes a few seconds (it may start BMCs); a lock whose
 * holder died is taken over once it is 20 s stale, as proper-lockfile refreshes a held lock's time every 10 s.
 */
async function withJoinLock<T>(net: Ctlplane, fn: () => Promise<T>): Promise<T> {
  mkdirSync(net.stateDir, { recursive: true });
  const release = await lockfile.lock(net.stateDir, {
    lockfilePath: join(net.stateDir, 'join.lock'),
    stale: 20_000,
    retries: { retries: 200, minTimeout: 50, maxTimeout: 500 },
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** The project's containers that join the ctlplane, by service, with their addresses and whether they run. */
export async function ctlplaneMembers(
  docker: Docker,
  project: string,
): Promise<{ service: string; member: CtlplaneMember; running: boolean }[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: memberFilters(project),
  });
  return containers.map((c) => ({
    service: c.Labels[LABEL.service]!,
    member: JSON.parse(c.Labels[LABEL.ctlplane]!) as CtlplaneMember,
    running: c.State === 'running',
  }));
}
