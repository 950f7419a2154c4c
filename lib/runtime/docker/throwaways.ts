import { hostname } from 'node:os';
import type Docker from 'dockerode';
import tarFs from 'tar-fs';
import { BerthError, throwIfAborted } from '../../errors.js';
import type { ResolvedService } from '../../profile/model.js';
import { LABEL, type ExecResult, type Leftover } from '../types.js';
import { containerSpec, copyFiles, hostConfig } from './container-spec.js';
import { networkName, volumeName } from './names.js';
import { bound, demuxBuffer } from './streams.js';

/**
 * Containers berth makes for one job and removes right after: bootstrap tasks, client tools and volume
 * copies. Each carries the project, its role and its owner (host/pid), so one a killed berth left behind
 * is found by the next run (leftovers) instead of holding the project's volumes forever.
 */
export class DockerThrowaways {
  constructor(
    private readonly docker: Docker,
    /** Removes them after a cancellation: never cancelled itself, only bounded. */
    private readonly cleanup: Docker,
  ) {}

  async runOnce(
    project: string,
    service: ResolvedService,
    command: string[],
    opts: { env?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const spec = containerSpec(project, service, throwawayLabels('task'));
    return this.run(
      {
        ...spec,
        Cmd: command,
        Env: [...spec.Env, ...envList(opts.env)],
        HostConfig: hostConfig(project, service),
        NetworkingConfig: { EndpointsConfig: { [networkName(project)]: {} } },
      },
      service.configFiles,
      opts.signal,
    );
  }

  async runTool(
    project: string,
    opts: {
      image: string;
      command: string[];
      files: { target: string; content: string; mode: number }[];
      signal?: AbortSignal;
    },
  ): Promise<ExecResult> {
    return this.run(
      {
        Image: opts.image,
        Cmd: opts.command,
        Labels: { [LABEL.project]: project, ...throwawayLabels('tool') },
        HostConfig: { NetworkMode: 'host' },
      },
      opts.files,
      opts.signal,
    );
  }

  /** A tool container left running (its main process `serve`) for commands to exec into; returns its ID. */
  async startTool(
    project: string,
    opts: { image: string; serve: string[]; files: { target: string; content: string; mode: number }[] },
  ): Promise<string> {
    const container = await this.docker.createContainer({
      Image: opts.image,
      Cmd: opts.serve,
      Labels: { [LABEL.project]: project, ...throwawayLabels('tool') },
      HostConfig: { NetworkMode: 'host' },
    });
    try {
      await copyFiles(container, opts.files);
      await container.start();
      return container.id;
    } catch (err) {
      await this.removeTool(container.id);
      throw err;
    }
  }

  /**
   * Copy paths out of an image into a host directory (each lands as its last component, tar-style), through
   * a container created for it and never started.
   */
  async copyFromImage(image: string, paths: string[], destDir: string): Promise<void> {
    const container = await this.docker.createContainer({
      Image: image,
      Cmd: ['true'],
      Labels: { ...throwawayLabels('tool') },
    });
    try {
      for (const path of paths) {
        const archive = (await container.getArchive({ path })) as unknown as NodeJS.ReadableStream;
        await new Promise<void>((resolve, reject) => {
          const extract = tarFs.extract(destDir);
          extract.on('finish', () => resolve());
          extract.on('error', reject);
          archive.on('error', reject);
          archive.pipe(extract);
        });
      }
    } finally {
      await this.removeTool(container.id);
    }
  }

  async removeTool(id: string): Promise<void> {
    await this.cleanup
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  }

  /**
   * Copy a host directory's contents into a named volume (the host→containers upgrade). The copy goes
   * through the archive API into a throwaway container of the service's own image, with the volume at
   * the path the service mounts it, then takes the owner Docker gave that path from the image: a
   * mariadb volume must belong to mysql inside, whoever owned the files on the host.
   */
  async fillVolume(
    project: string,
    service: ResolvedService,
    volume: string,
    hostDir: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const mount = service.volumes.find((v) => v.type === 'volume' && v.source === volume);
    if (!mount) throw new BerthError(`service ${service.name} mounts no volume named ${volume}`);
    const container = await this.docker.createContainer({
      Image: service.image,
      Entrypoint: ['/bin/sh', '-c'],
      // Images that run as a service user (rabbitmq's) still need root to hand the files over.
      User: '0',
      Cmd: [`chown -R "$(stat -c %u:%g ${shellQuote(mount.target)})" ${shellQuote(mount.target)}`],
      Labels: { [LABEL.project]: project, ...throwawayLabels('volume-copy') },
      HostConfig: { Mounts: [{ Type: 'volume', Source: volumeName(project, volume), Target: mount.target }] },
    });
    try {
      await container.putArchive(
        tarFs.pack(hostDir) as unknown as NodeJS.ReadableStream,
        { path: mount.target, abortSignal: signal } as object,
      );
      await bound(container.start({ abortSignal: signal } as object), signal);
      const result = (await bound(container.wait({ abortSignal: signal } as object), signal)) as { StatusCode: number };
      if (result.StatusCode !== 0)
        throw new BerthError(`could not give ${volume} its owner inside ${service.image} (exit ${result.StatusCode})`);
    } finally {
      await this.cleanup
        .getContainer(container.id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }

  /** Create, fill, start, wait, collect output, and always remove; killed if the signal aborts. */
  private async run(
    spec: Docker.ContainerCreateOptions,
    files: { target: string; content: string; mode: number }[],
    signal?: AbortSignal,
  ): Promise<ExecResult> {
    throwIfAborted(signal);
    // Creation is not cancelled halfway: a container the engine made must be known here, to be removed.
    const container = await this.docker.createContainer(spec);
    try {
      throwIfAborted(signal);
      await copyFiles(container, files);
      await bound(container.start({ abortSignal: signal } as object), signal);
      const result = (await bound(container.wait({ abortSignal: signal } as object), signal)) as { StatusCode: number };
      const logs = (await bound(
        container.logs({ stdout: true, stderr: true, follow: false, abortSignal: signal } as object),
        signal,
      )) as unknown as Buffer;
      return { exitCode: result.StatusCode, output: await demuxBuffer(this.docker.modem, logs) };
    } finally {
      // force: a task still running when Ctrl-C came is killed with its container.
      await this.cleanup
        .getContainer(container.id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }

  async leftovers(project: string): Promise<Leftover[]> {
    const all = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.project}=${project}`, `${LABEL.oneOff}=true`] },
    });
    return all
      .filter((c) => !ownerAlive(c.Labels[LABEL.owner]))
      .map((c) => ({ id: c.Id, role: c.Labels[LABEL.role] ?? 'task', status: c.State }));
  }
}

const thisOwner = `${hostname()}/${process.pid}`;

function throwawayLabels(role: 'task' | 'tool' | 'volume-copy'): Record<string, string> {
  return { [LABEL.oneOff]: 'true', [LABEL.role]: role, [LABEL.owner]: thisOwner };
}

/** Whether the berth process that made a throwaway container still runs; another machine's counts as alive. */
function ownerAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  const [host, pid] = owner.split('/');
  if (host !== hostname()) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function envList(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
