import { directoryBytes } from '../../evaluate/disk.js';
import type { ResolvedService } from '../../profile/model.js';
import { projectStateDir } from '../../state/paths.js';
import type { Footprint } from '../types.js';
import { InstanceFiles, isAlive } from './instance-files.js';
import { installedBytes } from './packages.js';

/** The host runtime's footprint: supervised processes, and the Debian packages and directories they use. */
export class HostFootprint implements Footprint {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly volumeDir: (project: string, volume: string) => string,
  ) {}

  private states(project: string) {
    return InstanceFiles.list(projectStateDir(project, this.env)).map((files) => ({
      service: files.readSpec().service.name,
      state: files.readState(),
    }));
  }

  async servicePids(project: string): Promise<Map<string, number>> {
    const pids = new Map<string, number>();
    for (const { service, state } of this.states(project))
      if (state?.childPid && isAlive(state.childPid)) pids.set(service, state.childPid);
    return pids;
  }

  async runtimePids(project: string): Promise<number[]> {
    return this.states(project)
      .map(({ state }) => state?.supervisorPid)
      .filter((pid): pid is number => Boolean(pid && isAlive(pid)));
  }

  async diskBytes(project: string, services: ResolvedService[]): Promise<{ software: number; data: number }> {
    const packages = [...new Set(services.flatMap((s) => s.host?.packages ?? []))];
    const volumes = [
      ...new Set(services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume').map((v) => v.source))),
    ];
    return {
      software: await installedBytes(packages),
      data: volumes.reduce((sum, v) => sum + directoryBytes(this.volumeDir(project, v)), 0),
    };
  }
}
