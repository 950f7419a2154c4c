import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { BerthError } from '../../errors.js';
import type { ResolvedService } from '../../profile/model.js';
import { LABEL } from '../types.js';
import { errorText } from './engine-errors.js';
import { networkName, volumeName } from './names.js';

/** The project's network and named volumes: data, which only an explicit request ever removes. */
export class DockerVolumes {
  constructor(private readonly docker: Docker) {}

  async volumeExists(project: string, name: string): Promise<boolean> {
    return (
      (await this.docker
        .getVolume(volumeName(project, name))
        .inspect()
        .catch(() => undefined)) !== undefined
    );
  }

  async volumeGenerations(project: string): Promise<Map<string, string>> {
    const volumes =
      (await this.docker.listVolumes({ filters: { label: [`${LABEL.project}=${project}`] } })).Volumes ?? [];
    // Not CreatedAt: the engine reports the volume directory's ctime, which any write at its root moves.
    // A volume made before berth labelled them is adopted as it is, under one fixed generation.
    return new Map(
      volumes.map((v) => [v.Name.replace(`${project}_`, ''), v.Labels?.[LABEL.volumeGeneration] ?? 'adopted']),
    );
  }

  async prepare(project: string, services: ResolvedService[]): Promise<void> {
    const labels = { [LABEL.project]: project };
    const net = networkName(project);
    if (
      !(await this.docker
        .getNetwork(net)
        .inspect()
        .catch(() => undefined))
    ) {
      await this.docker
        .createNetwork({ Name: net, Driver: 'bridge', Labels: labels, CheckDuplicate: true })
        .catch((e) => {
          if (!/already exists/.test(errorText(e))) throw e;
        });
    }
    const volumes = new Set(services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume').map((v) => v.source)));
    for (const v of volumes) {
      if (!(await this.volumeExists(project, v))) {
        await this.docker.createVolume({
          Name: volumeName(project, v),
          Labels: { ...labels, [LABEL.volumeGeneration]: randomUUID() },
        });
      }
    }
  }

  /** Remove one named volume of the project: only for a copy the caller made itself (an upgrade it rolls back). */
  async removeVolume(project: string, volume: string): Promise<void> {
    await this.docker
      .getVolume(volumeName(project, volume))
      .remove()
      .catch(() => undefined);
  }

  async teardown(project: string, { volumes }: { volumes: boolean }) {
    await this.docker
      .getNetwork(networkName(project))
      .remove()
      .catch(() => undefined);
    const found =
      (await this.docker.listVolumes({ filters: { label: [`${LABEL.project}=${project}`] } })).Volumes ?? [];
    const names = found.map((v) => v.Name);
    if (!volumes) return { volumesRemoved: [], volumesKept: names };
    // Check first, then act: a volume still in use must not leave the others half removed.
    const users = await Promise.all(
      names.map(async (name) => ({
        name,
        containers: await this.docker.listContainers({ all: true, filters: { volume: [name] } }),
      })),
    );
    const busy = users.filter((u) => u.containers.length > 0);
    if (busy.length) {
      const list = busy
        .map(
          (u) =>
            `${u.name} (used by ${u.containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)).join(', ')})`,
        )
        .join('; ');
      throw new BerthError(
        `not removing any volume of ${project}: ${list}`,
        'Those containers are not part of the project: remove them ("docker rm"), then run "berth down --volumes" again.',
      );
    }
    for (const name of names) await this.docker.getVolume(name).remove();
    return { volumesRemoved: names, volumesKept: [] };
  }
}
