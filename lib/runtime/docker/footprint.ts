import type Docker from 'dockerode';
import { parentTable, pidByName } from '../../evaluate/proc.js';
import type { ResolvedService } from '../../profile/model.js';
import { LABEL, type Footprint } from '../types.js';

/** The Docker runtime's footprint: containers' processes, the engine's own, images' layers and volumes. */
export class DockerFootprint implements Footprint {
  constructor(private readonly docker: Docker) {}

  private async running(project: string): Promise<Docker.ContainerInspectInfo[]> {
    const list = await this.docker.listContainers({ filters: { label: [`${LABEL.project}=${project}`] } });
    const infos = await Promise.all(list.map((c) => this.docker.getContainer(c.Id).inspect()));
    return infos.filter((i) => i.Config.Labels?.[LABEL.oneOff] !== 'true' && i.State.Pid > 0);
  }

  async servicePids(project: string): Promise<Map<string, number>> {
    return new Map((await this.running(project)).map((i) => [i.Config.Labels[LABEL.service] ?? i.Name, i.State.Pid]));
  }

  /** dockerd and containerd (shared with whatever else runs on the engine), and each container's shim. */
  async runtimePids(project: string): Promise<number[]> {
    const parents = parentTable();
    const shims = (await this.running(project)).map((i) => parents.get(i.State.Pid)).filter(Boolean) as number[];
    const engine = ['dockerd', 'containerd'].map(pidByName).filter((p): p is number => p !== undefined);
    return [...new Set([...engine, ...shims])];
  }

  async diskBytes(project: string, services: ResolvedService[]): Promise<{ software: number; data: number }> {
    // Images share layers (every OpenStack image is openstack-base plus one): count each layer once, known
    // by what made it, when, and its size, since locally built layers have no ID of their own in history.
    const layers = new Map<string, number>();
    for (const image of new Set(services.map((s) => s.image))) {
      const history = await this.docker
        .getImage(image)
        .history()
        .catch(() => [] as { Created: number; CreatedBy: string; Size: number }[]);
      for (const h of history as { Created: number; CreatedBy: string; Size: number }[])
        layers.set(`${h.Created}|${h.CreatedBy}|${h.Size}`, h.Size);
    }
    const df = (await this.docker.df()) as {
      Volumes?: { Labels?: Record<string, string>; UsageData?: { Size: number } }[];
    };
    const data = (df.Volumes ?? [])
      .filter((v) => v.Labels?.[LABEL.project] === project)
      .reduce((sum, v) => sum + Math.max(0, v.UsageData?.Size ?? 0), 0);
    return { software: [...layers.values()].reduce((a, b) => a + b, 0), data };
  }
}
