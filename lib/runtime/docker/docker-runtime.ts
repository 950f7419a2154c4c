import { existsSync, readFileSync, statSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import tarStream from 'tar-stream';
import { DockerClient } from './dockerode.js';
import { BerthError, CancelledError, EngineUnreachableError, throwIfAborted } from '../../errors.js';
import type { BuildSpec, ResolvedService } from '../../profile/model.js';
import {
  LABEL,
  parseRemovalLabel,
  type Leftover,
  type EngineInfo,
  type ExecResult,
  type EnsureImageOptions,
  type ImageProgress,
  type Instance,
  type FileSync,
  type ImageStore,
  type Runtime,
  type RuntimeCapabilities,
  type ToolRunner,
  type ToolSession,
  type VolumeImport,
} from '../types.js';
import { engineUnreachable, errorText } from './engine-errors.js';
import { trackEngineRequests, type RequestPolicy } from './engine-requests.js';
import { containerSpec, copyFiles, hostConfig } from './container-spec.js';
import { joinCtlplaneIfMember } from './ctlplane.js';
import { DockerImages } from './images.js';
import { containerName, networkName, volumeName } from './names.js';
import { DockerFootprint } from './footprint.js';
import { DockerThrowaways, envList } from './throwaways.js';
import { DockerVolumes } from './volumes.js';

import { bound, demuxBuffer, lineSink, toLines, untilClosed, type Closable } from './streams.js';

export { engineUnreachable, errorText };

export { containerName, networkName, volumeName };

export interface DockerRuntimeOptions {
  docker?: Docker;
  /** How long to try a registry pull of a missing base image before seeding it locally. */
  pullTimeoutMs?: number;
  onSeedLine?: (line: string) => void;
  /** How requests without a signal of their own are cancelled, and their deadlines. */
  requests?: RequestPolicy;
}

/** The Docker runtime: talks to the engine named by DOCKER_HOST (unix, tcp, ssh) through dockerode. */
export class DockerRuntime implements Runtime, ImageStore, ToolRunner, FileSync, VolumeImport {
  readonly name = 'docker' as const;
  readonly capabilities: RuntimeCapabilities;
  readonly docker: Docker;
  /** For cleanup after a cancellation (removing a task's container): never cancelled, only bounded. */
  private readonly cleanup: Docker;
  readonly images: DockerImages;
  private readonly volumes: DockerVolumes;
  private readonly throwaways: DockerThrowaways;

  constructor(opts: DockerRuntimeOptions = {}) {
    this.docker = opts.docker ?? new DockerClient();
    trackEngineRequests(this.docker, opts.requests);
    this.cleanup = opts.docker ?? new DockerClient();
    trackEngineRequests(this.cleanup, { timeoutMs: opts.requests?.timeoutMs });
    this.images = new DockerImages(this.docker, opts);
    this.volumes = new DockerVolumes(this.docker);
    this.throwaways = new DockerThrowaways(this.docker, this.cleanup);
    this.capabilities = {
      images: this,
      tools: this,
      sync: this,
      volumeImport: this,
      footprint: new DockerFootprint(this.docker),
    };
  }

  async info(signal?: AbortSignal): Promise<EngineInfo> {
    try {
      const version = this.docker.version.bind(this.docker) as unknown as (
        opts: object,
      ) => Promise<Docker.DockerVersion>;
      const v = await version({ abortSignal: signal });
      return { name: 'docker', version: v.Version, apiVersion: v.ApiVersion };
    } catch (cause) {
      if (signal?.aborted) throw new CancelledError();
      throw engineUnreachable(cause);
    }
  }

  async list(project: string): Promise<Instance[]> {
    const summaries = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.project}=${project}`] },
    });
    const instances = await Promise.all(
      summaries
        .filter((c) => c.Labels[LABEL.oneOff] !== 'true')
        .map(async (c) => {
          const info = await this.docker
            .getContainer(c.Id)
            .inspect()
            .catch(() => undefined);
          if (!info) return undefined;
          const instance: Instance = {
            id: c.Id,
            service: c.Labels[LABEL.service] ?? '',
            project,
            configHash: c.Labels[LABEL.configHash] ?? '',
            imageId: info.Image,
            running: info.State.Running,
            exitCode: info.State.Running ? undefined : info.State.ExitCode,
            status: info.State.Status,
            startedAt: info.State.StartedAt,
            ports: Object.entries(info.NetworkSettings.Ports ?? {}).flatMap(([key, bindings]) =>
              (bindings ?? []).map((b) => ({
                containerPort: Number(key.split('/')[0]),
                hostIp: b.HostIp,
                hostPort: Number(b.HostPort),
              })),
            ),
            volumes: (info.Mounts ?? [])
              .filter((m) => m.Type === 'volume' && m.Name)
              .map((m) => m.Name!.replace(`${project}_`, '')),
            onRemove: parseRemovalLabel(c.Labels[LABEL.onRemove]),
          };
          return instance;
        }),
    );
    return instances.filter((i): i is Instance => i !== undefined);
  }

  async imageStatus(service: ResolvedService): Promise<{ id?: string; stale: boolean }> {
    return this.images.imageStatus(service);
  }

  async tagImage(imageId: string, name: string): Promise<void> {
    return this.images.tagImage(imageId, name);
  }

  async ensureBuiltImage(name: string, build: BuildSpec, opts: EnsureImageOptions): Promise<string> {
    return this.images.ensureBuiltImage(name, build, opts);
  }

  async hasImage(name: string): Promise<boolean> {
    return this.docker
      .getImage(name)
      .inspect()
      .then(
        () => true,
        () => false,
      );
  }

  async ensureImage(service: ResolvedService, opts: EnsureImageOptions): Promise<string> {
    return this.images.ensureImage(service, opts);
  }

  async ensureBaseImage(
    image: string,
    signal: AbortSignal | undefined,
    onProgress?: (p: ImageProgress) => void,
  ): Promise<void> {
    return this.images.ensureBaseImage(image, signal, onProgress);
  }

  async volumeExists(project: string, name: string): Promise<boolean> {
    return this.volumes.volumeExists(project, name);
  }

  async volumeGenerations(project: string): Promise<Map<string, string>> {
    return this.volumes.volumeGenerations(project);
  }

  async prepare(project: string, services: ResolvedService[]): Promise<void> {
    return this.volumes.prepare(project, services);
  }

  /** Remove one named volume of the project: only for a copy the caller made itself (an upgrade it rolls back). */
  async removeVolume(project: string, volume: string): Promise<void> {
    return this.volumes.removeVolume(project, volume);
  }

  async teardown(project: string, opts: { volumes: boolean }) {
    return this.volumes.teardown(project, opts);
  }

  async create(project: string, service: ResolvedService, labels: Record<string, string>): Promise<string> {
    const container = await this.docker.createContainer({
      name: containerName(project, service.name),
      Hostname: service.name,
      ...containerSpec(project, service, labels),
      ExposedPorts: Object.fromEntries(service.ports.map((p) => [`${p.containerPort}/${p.protocol}`, {}])),
      StopSignal: service.stopSignal,
      StopTimeout: Math.ceil(service.stopTimeoutMs / 1000),
      HostConfig: {
        ...hostConfig(project, service),
        PortBindings: Object.fromEntries(
          service.ports.map((p) => [
            `${p.containerPort}/${p.protocol}`,
            [{ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' }],
          ]),
        ),
        RestartPolicy: { Name: service.restart === 'no' ? '' : service.restart },
      },
      NetworkingConfig: { EndpointsConfig: { [networkName(project)]: { Aliases: [service.name] } } },
    });
    await copyFiles(container, service.configFiles);
    return container.id;
  }

  async start(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .start()
      .catch((cause) => {
        if (cause instanceof EngineUnreachableError) throw cause;
        if (/already started|304/.test(errorText(cause))) return;
        throw startFailed(cause);
      });
    await joinCtlplaneIfMember(this.docker, id);
  }

  async stop(id: string, { timeoutMs }: { timeoutMs?: number } = {}): Promise<void> {
    // The engine sends the StopSignal set at create, then SIGKILL after t (or the container's StopTimeout).
    const options = timeoutMs === undefined ? {} : { t: Math.ceil(timeoutMs / 1000) };
    await this.docker
      .getContainer(id)
      .stop(options)
      .catch((e) => {
        if (!/not running|304|No such container/i.test(errorText(e))) throw e;
      });
  }

  async restart(id: string, { timeoutMs }: { timeoutMs: number }): Promise<void> {
    await this.docker.getContainer(id).restart({ t: Math.ceil(timeoutMs / 1000) });
    await joinCtlplaneIfMember(this.docker, id);
  }

  async copyInto(id: string, files: { hostPath: string; target: string }[]): Promise<void> {
    const container = this.docker.getContainer(id);
    const present = files.filter((f) => existsSync(f.hostPath));
    const gone = files.filter((f) => !existsSync(f.hostPath));
    if (present.length) {
      const pack = tarStream.pack();
      for (const f of present)
        pack.entry(
          { name: f.target.replace(/^\/+/, ''), mode: statSync(f.hostPath).mode & 0o777 },
          readFileSync(f.hostPath),
        );
      pack.finalize();
      await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/' });
    }
    if (gone.length) await this.exec(id, ['rm', '-f', '--', ...gone.map((f) => f.target)]);
  }

  async remove(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: false })
      .catch((e) => {
        if (!/No such container|404|already in progress/i.test(errorText(e))) throw e;
      });
  }

  async exec(
    id: string,
    command: string[],
    opts: { env?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const { signal } = opts;
    const container = this.docker.getContainer(id);
    throwIfAborted(signal);
    const exec = await bound(
      container.exec({
        Cmd: command,
        AttachStdout: true,
        AttachStderr: true,
        Env: envList(opts.env),
        abortSignal: signal,
      } as Docker.ExecCreateOptions),
      signal,
    );
    const stream = await bound(
      exec.start({ hijack: true, stdin: false, abortSignal: signal } as Docker.ExecStartOptions),
      signal,
    );
    const out = new PassThrough();
    this.docker.modem.demuxStream(stream, out, out);
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await untilClosed(stream, signal);
    throwIfAborted(signal);
    const info = await bound(exec.inspect({ abortSignal: signal } as object), signal);
    return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
  }

  async runOnce(
    project: string,
    service: ResolvedService,
    command: string[],
    opts: { env?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    return this.throwaways.runOnce(project, service, command, opts);
  }

  async runTool(project: string, opts: Parameters<DockerThrowaways['runTool']>[1]): Promise<ExecResult> {
    return this.throwaways.runTool(project, opts);
  }

  async copyFromImage(image: string, paths: string[], destDir: string): Promise<void> {
    return this.throwaways.copyFromImage(image, paths, destDir);
  }

  async openToolSession(project: string, opts: Parameters<DockerThrowaways['startTool']>[1]): Promise<ToolSession> {
    const id = await this.throwaways.startTool(project, opts);
    return {
      run: (command, o = {}) => this.exec(id, command, o),
      close: () => this.throwaways.removeTool(id),
    };
  }

  async fillVolume(
    project: string,
    service: ResolvedService,
    volume: string,
    hostDir: string,
    signal?: AbortSignal,
  ): Promise<void> {
    return this.throwaways.fillVolume(project, service, volume, hostDir, signal);
  }

  async logs(id: string, { tail }: { tail: number }): Promise<string[]> {
    const buf = (await this.docker
      .getContainer(id)
      .logs({ stdout: true, stderr: true, tail, follow: false })
      .catch(() => Buffer.alloc(0))) as unknown as Buffer;
    return toLines(await demuxBuffer(this.docker.modem, buf));
  }

  async followLogs(id: string, onLine: (line: string) => void, signal: AbortSignal, { tail = 0 } = {}): Promise<void> {
    if (signal.aborted) return;
    // The signal goes to the request itself: a reader that left before the engine answered must not
    // receive a stream nobody will ever close (that kept a finished deploy alive).
    const request = this.docker.getContainer(id).logs({
      stdout: true,
      stderr: true,
      follow: true,
      tail,
      abortSignal: signal,
    } as Docker.ContainerLogsOptions & {
      follow: true;
    });
    const stream = (await bound(request, signal).catch((err) => {
      if (err instanceof CancelledError) return undefined;
      throw err;
    })) as unknown as Closable | undefined;
    if (!stream) return;
    const sink = lineSink(onLine);
    this.docker.modem.demuxStream(stream as unknown as NodeJS.ReadableStream, sink, sink);
    await untilClosed(stream, signal);
  }

  async inspectState(id: string) {
    const info = await this.docker.getContainer(id).inspect();
    return {
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      restarting: info.State.Restarting,
      status: info.State.Status,
    };
  }

  async leftovers(project: string): Promise<Leftover[]> {
    return this.throwaways.leftovers(project);
  }

  async removeLeftovers(project: string): Promise<Leftover[]> {
    const found = await this.leftovers(project);
    // force: a task whose berth was killed may still be running, holding the volumes it mounts.
    await Promise.all(found.map((l) => this.remove(l.id)));
    return found;
  }
}

function startFailed(cause: unknown): BerthError {
  const text = errorText(cause);
  const port = /(?:0\.0\.0\.0|127\.0\.0\.1|[\d.]+):(\d+).*(?:address already in use|port is already allocated)/.exec(
    text,
  )?.[1];
  if (port || /address already in use|port is already allocated/.test(text)) {
    return new BerthError(
      `cannot start: host port ${port ?? ''} is already in use (${text})`,
      'Stop whatever holds the port, or change the port parameter with -e or --param.',
    );
  }
  return new BerthError(`cannot start container: ${text}`);
}
