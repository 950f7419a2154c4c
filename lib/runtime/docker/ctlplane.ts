import type Docker from 'dockerode';
import { BerthError } from '../../errors.js';
import { ctlplaneFor } from '../../nodes/ctlplane.js';
import { joinCtlplane } from '../../nodes/ctlplane-join.js';
import type { CtlplaneMember } from '../../profile/model.js';
import { projectStateDir } from '../../state/paths.js';
import { LABEL } from '../types.js';

/**
 * A container whose service joins the ctlplane gets its veth after every start: a new container process is a new
 * network namespace. The engine's own restarts (a restart policy after a crash) happen without berth, and such a
 * container is off the ctlplane until berth starts or restarts it again (`berth restart`, `berth deploy`).
 */
export async function joinCtlplaneIfMember(docker: Docker, id: string): Promise<void> {
  const info = await docker.getContainer(id).inspect();
  const label = info.Config.Labels?.[LABEL.ctlplane];
  if (!label) return;
  const project = info.Config.Labels[LABEL.project]!;
  const service = info.Config.Labels[LABEL.service]!;
  if (!info.State.Running || !info.State.Pid)
    throw new BerthError(`${service}: cannot join the ctlplane, its container is not running (${info.State.Status})`);
  const member = JSON.parse(label) as CtlplaneMember;
  try {
    const stateDir = projectStateDir(project);
    await joinCtlplane(ctlplaneFor(project, stateDir), stateDir, service, info.State.Pid, member);
  } catch (cause) {
    const now = await docker.getContainer(id).inspect();
    if (now.State.Pid === info.State.Pid && now.State.Running) throw cause;
    throw new BerthError(
      `${service}: its container stopped while berth joined it to the ctlplane (${now.State.Status}, exit ` +
        `${now.State.ExitCode})`,
      `See "berth logs ${service}".`,
    );
  }
}

/** The project's containers that join the ctlplane, by service, with their addresses and whether they run. */
export async function ctlplaneMembers(
  docker: Docker,
  project: string,
): Promise<{ service: string; member: CtlplaneMember; running: boolean }[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.project}=${project}`, LABEL.ctlplane] },
  });
  return containers.map((c) => ({
    service: c.Labels[LABEL.service]!,
    member: JSON.parse(c.Labels[LABEL.ctlplane]!) as CtlplaneMember,
    running: c.State === 'running',
  }));
}
