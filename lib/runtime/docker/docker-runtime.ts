import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import tarStream from 'tar-stream';
import tarFs from 'tar-fs';
import { BerthError, CancelledError, EngineUnreachableError, throwIfAborted } from '../../errors.js';
import { BASE_IMAGE, seedBaseImage } from '../../images/seed-base.js';
import type { BuildSpec, ResolvedService } from '../../profile/model.js';
import { LABEL, parseRemovalLabel, type Leftover, type EngineInfo, type ExecResult, type EnsureImageOptions, type ImageProgress, type Instance, type Runtime } from '../types.js';
import { baseImages, readBuildContext } from './build-context.js';
import { engineUnreachable, errorText } from './engine-errors.js';
import { trackEngineRequests, type RequestPolicy } from './engine-requests.js';

export { engineUnreachable, errorText };
import { demuxBuffer, lineSink, toLines } from './streams.js';

export const networkName = (project: string) => `${project}_default`;
export const volumeName = (project: string, name: string) => `${project}_${name}`;
export const containerName = (project: string, service: string) => `${project}-${service}`;

export interface DockerRuntimeOptions {
  docker?: Docker;
  /** How long to try a registry pull of a missing base image before seeding it locally. */
  pullTimeoutMs?: number;
  onSeedLine?: (line: string) => void;
  /** How requests without a signal of their own are cancelled, and their deadlines. */
  requests?: RequestPolicy;
}

/** The Docker runtime: talks to the engine named by DOCKER_HOST (unix, tcp, ssh) through dockerode. */
export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const;
  readonly docker: Docker;
  /** For cleanup after a cancellation (removing a task's container): never cancelled, only bounded. */
  private readonly cleanup: Docker;
  private seeding?: Promise<unknown>;

  constructor(private readonly opts: DockerRuntimeOptions = {}) {
    this.docker = opts.docker ?? new Docker();
    trackEngineRequests(this.docker, opts.requests);
    this.cleanup = opts.docker ?? new Docker();
    trackEngineRequests(this.cleanup, { timeoutMs: opts.requests?.timeoutMs });
  }

  async info(signal?: AbortSignal): Promise<EngineInfo> {
    try {
      const version = this.docker.version.bind(this.docker) as unknown as (opts: object) => Promise<Docker.DockerVersion>;
      const v = await version({ abortSignal: signal });
      return { name: 'docker', version: v.Version, apiVersion: v.ApiVersion };
    } catch (cause) {
      if (signal?.aborted) throw new CancelledError();
      throw engineUnreachable(cause);
    }
  }

  async list(project: string): Promise<Instance[]> {
    const summaries = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`] } });
    const instances = await Promise.all(
      summaries
        .filter((c) => c.Labels[LABEL.oneOff] !== 'true')
        .map(async (c) => {
          const info = await this.docker.getContainer(c.Id).inspect().catch(() => undefined);
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
              (bindings ?? []).map((b) => ({ containerPort: Number(key.split('/')[0]), hostIp: b.HostIp, hostPort: Number(b.HostPort) })),
            ),
            volumes: (info.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!.replace(`${project}_`, '')),
            onRemove: parseRemovalLabel(c.Labels[LABEL.onRemove]),
          };
          return instance;
        }),
    );
    return instances.filter((i): i is Instance => i !== undefined);
  }

  async imageStatus(service: ResolvedService): Promise<{ id?: string; stale: boolean }> {
    const image = await this.docker.getImage(service.image).inspect().catch(() => undefined);
    if (!image) return { stale: true };
    const stale = service.build ? image.Config?.Labels?.[LABEL.contextHash] !== (await this.buildHash(service.build)).hash : false;
    return { id: image.Id, stale };
  }

  async tagImage(imageId: string, name: string): Promise<void> {
    const at = name.lastIndexOf(':');
    const [repo, tag] = at > name.lastIndexOf('/') ? [name.slice(0, at), name.slice(at + 1)] : [name, 'latest'];
    await this.docker.getImage(imageId).tag({ repo, tag });
  }

  async ensureBuiltImage(name: string, build: BuildSpec, opts: EnsureImageOptions): Promise<string> {
    // A base image is built the way a service image is: same context hashing, same failure reporting.
    return this.ensureImage({ name, file: join(build.context, build.dockerfile), image: name, build } as ResolvedService, opts);
  }

  async ensureImage(
    service: ResolvedService,
    { signal, onProgress, onWork, force, noCache }: EnsureImageOptions,
  ): Promise<string> {
    const existing = await this.docker.getImage(service.image).inspect().catch(() => undefined);
    if (!service.build) {
      if (existing) return existing.Id;
      onWork?.('pulling');
      onProgress?.({ line: `pulling ${service.image}` });
      await this.pull(service.image, signal, onProgress).catch((cause) => {
        throw new BerthError(`service ${service.name}: image ${service.image} is not on the engine and could not be pulled (${errorText(cause)})`, `Build it, "docker load" it, or give the service a "build:" section.`);
      });
      return (await this.docker.getImage(service.image).inspect()).Id;
    }
    const context = readBuildContext(service.build);
    if (!context.files.includes(service.build.dockerfile)) {
      throw new BerthError(`service ${service.name}: no ${service.build.dockerfile} in build context ${service.build.context}`, 'Check build.context and build.dockerfile in the service file.');
    }
    const dockerfile = readFileSync(join(service.build.context, service.build.dockerfile), 'utf8');
    const bases = baseImages(dockerfile);
    for (const base of bases) await this.ensureBaseImage(base, signal, onProgress);
    const { hash } = await this.buildHash(service.build, context);
    if (!force && !noCache && existing?.Config?.Labels?.[LABEL.contextHash] === hash) return existing.Id;
    onWork?.('building');
    throwIfAborted(signal);
    return this.build(service, { ...context, hash }, signal, onProgress, noCache);
  }

  /**
   * What an image is built from: its context and the IDs of the images it builds FROM, so that an
   * image on top of a rebuilt shared base is rebuilt too.
   */
  private async buildHash(build: BuildSpec, context = readBuildContext(build)): Promise<{ hash: string }> {
    const dockerfile = join(build.context, build.dockerfile);
    const bases = existsSync(dockerfile) ? baseImages(readFileSync(dockerfile, 'utf8')) : [];
    const ids = await Promise.all(bases.map(async (b) => (await this.docker.getImage(b).inspect().catch(() => undefined))?.Id ?? 'missing'));
    return { hash: createHash('sha256').update(`${context.hash}:${ids.join(',')}`).digest('hex').slice(0, 32) };
  }

  private async build(service: ResolvedService, context: ReturnType<typeof readBuildContext>, signal: AbortSignal | undefined, onProgress?: (p: ImageProgress) => void, noCache = false): Promise<string> {
    const build = service.build!;
    const tail: string[] = [];
    let step: number | undefined;
    let totalSteps: number | undefined;
    const stream = await this.docker.buildImage(context.pack(), {
      t: service.image,
      dockerfile: build.dockerfile,
      buildargs: build.args,
      labels: { [LABEL.contextHash]: context.hash },
      rm: true,
      forcerm: true,
      // A forced rebuild is for refreshed packages: reusing the cached apt layers would refresh nothing.
      nocache: noCache,
      abortSignal: signal,
    } as Docker.ImageBuildOptions);
    if (signal?.aborted) {
      (stream as unknown as { destroy(): void }).destroy();
      throw new CancelledError();
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.followProgress(
        stream,
        (err) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(buildFailed(service, tail, errorText(err)));
          else resolve();
        },
        (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (event.error) {
            tail.push(event.error);
            return reject(buildFailed(service, tail, event.errorDetail?.message ?? event.error));
          }
          for (const line of toLines(event.stream ?? '')) {
            const m = /^Step (\d+)\/(\d+) :/.exec(line);
            if (m) [step, totalSteps] = [Number(m[1]), Number(m[2])];
            tail.push(line);
            if (tail.length > 40) tail.shift();
            onProgress?.({ step, totalSteps, line });
          }
        },
      );
    });
    return (await this.docker.getImage(service.image).inspect()).Id;
  }

  /** A missing base image is pulled if a registry answers, else seeded locally (air-gapped labs). */
  async ensureBaseImage(image: string, signal: AbortSignal | undefined, onProgress?: (p: ImageProgress) => void): Promise<void> {
    if (await this.docker.getImage(image).inspect().catch(() => undefined)) return;
    try {
      onProgress?.({ line: `base image ${image} missing: trying to pull it` });
      await this.pull(image, AbortSignal.any([AbortSignal.timeout(this.opts.pullTimeoutMs ?? 20_000), ...(signal ? [signal] : [])]), onProgress);
      return;
    } catch (cause) {
      throwIfAborted(signal);
      if (image !== BASE_IMAGE) throw new BerthError(`base image ${image} is missing and could not be pulled (${errorText(cause)})`, 'Load it with "docker load", or build FROM debian:bookworm-slim, which berth can seed without a registry.');
      onProgress?.({ line: `no registry answered; seeding ${image} with debootstrap` });
    }
    // Several services may need the base at once: seed it once.
    this.seeding ??= seedBaseImage(this.docker, { signal, onLine: (line) => onProgress?.({ line }) }).finally(() => (this.seeding = undefined));
    await this.seeding;
  }

  private async pull(image: string, signal: AbortSignal | undefined, onProgress?: (p: ImageProgress) => void): Promise<void> {
    const stream = (await this.docker.pull(image, { abortSignal: signal } as object)) as NodeJS.ReadableStream & { destroy(): void };
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(new CancelledError());
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.followProgress(
        stream,
        (err) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve();
        },
        (e: { status?: string }) => e.status && onProgress?.({ line: e.status }),
      );
    });
  }

  async volumeExists(project: string, name: string): Promise<boolean> {
    return (await this.docker.getVolume(volumeName(project, name)).inspect().catch(() => undefined)) !== undefined;
  }

  async volumeGenerations(project: string): Promise<Map<string, string>> {
    const volumes = (await this.docker.listVolumes({ filters: { label: [`${LABEL.project}=${project}`] } })).Volumes ?? [];
    // Not CreatedAt: the engine reports the volume directory's ctime, which any write at its root moves.
    // A volume made before berth labelled them is adopted as it is, under one fixed generation.
    return new Map(volumes.map((v) => [v.Name.replace(`${project}_`, ''), v.Labels?.[LABEL.volumeGeneration] ?? 'adopted']));
  }

  async prepare(project: string, services: ResolvedService[]): Promise<void> {
    const labels = { [LABEL.project]: project };
    const net = networkName(project);
    if (!(await this.docker.getNetwork(net).inspect().catch(() => undefined))) {
      await this.docker.createNetwork({ Name: net, Driver: 'bridge', Labels: labels, CheckDuplicate: true }).catch((e) => {
        if (!/already exists/.test(errorText(e))) throw e;
      });
    }
    const volumes = new Set(services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume').map((v) => v.source)));
    for (const v of volumes) {
      if (!(await this.volumeExists(project, v))) {
        await this.docker.createVolume({ Name: volumeName(project, v), Labels: { ...labels, [LABEL.volumeGeneration]: randomUUID() } });
      }
    }
  }

  async create(project: string, service: ResolvedService, labels: Record<string, string>): Promise<string> {
    const container = await this.docker.createContainer({
      name: containerName(project, service.name),
      Hostname: service.name,
      ...this.containerSpec(project, service, labels),
      ExposedPorts: Object.fromEntries(service.ports.map((p) => [`${p.containerPort}/${p.protocol}`, {}])),
      StopSignal: service.stopSignal,
      StopTimeout: Math.ceil(service.stopTimeoutMs / 1000),
      HostConfig: {
        ...this.hostConfig(project, service),
        PortBindings: Object.fromEntries(
          service.ports.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' }]]),
        ),
        RestartPolicy: { Name: service.restart === 'no' ? '' : service.restart },
      },
      NetworkingConfig: { EndpointsConfig: { [networkName(project)]: { Aliases: [service.name] } } },
    });
    await this.copyFiles(container, service.configFiles);
    return container.id;
  }

  private containerSpec(project: string, service: ResolvedService, labels: Record<string, string>) {
    return {
      Image: service.image,
      Cmd: service.command,
      Entrypoint: service.entrypoint,
      User: service.user,
      WorkingDir: service.workingDir,
      Env: Object.entries(service.environment).map(([k, v]) => `${k}=${v}`),
      Labels: { [LABEL.project]: project, [LABEL.service]: service.name, ...labels },
    };
  }

  private hostConfig(project: string, service: ResolvedService): Docker.HostConfig {
    return {
      Mounts: service.volumes.map((v) => ({
        Type: v.type,
        Source: v.type === 'volume' ? volumeName(project, v.source) : v.source,
        Target: v.target,
        ReadOnly: v.readOnly,
      })),
      NetworkMode: networkName(project),
    };
  }

  /** Rendered config goes in through the archive API, not a bind mount, so a remote engine works too. */
  private async copyFiles(container: Docker.Container, files: { target: string; content: string; mode: number }[]): Promise<void> {
    if (files.length === 0) return;
    const pack = tarStream.pack();
    for (const f of files) pack.entry({ name: f.target.replace(/^\/+/, ''), mode: f.mode }, f.content);
    pack.finalize();
    await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/' });
  }

  async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start().catch((cause) => {
      if (cause instanceof EngineUnreachableError) throw cause;
      if (/already started|304/.test(errorText(cause))) return;
      throw startFailed(cause);
    });
  }

  async stop(id: string, { timeoutMs }: { timeoutMs?: number } = {}): Promise<void> {
    // The engine sends the StopSignal set at create, then SIGKILL after t (or the container's StopTimeout).
    const options = timeoutMs === undefined ? {} : { t: Math.ceil(timeoutMs / 1000) };
    await this.docker.getContainer(id).stop(options).catch((e) => {
      if (!/not running|304|No such container/i.test(errorText(e))) throw e;
    });
  }

  async restart(id: string, { timeoutMs }: { timeoutMs: number }): Promise<void> {
    await this.docker.getContainer(id).restart({ t: Math.ceil(timeoutMs / 1000) });
  }

  async copyInto(id: string, files: { hostPath: string; target: string }[]): Promise<void> {
    const container = this.docker.getContainer(id);
    const present = files.filter((f) => existsSync(f.hostPath));
    const gone = files.filter((f) => !existsSync(f.hostPath));
    if (present.length) {
      const pack = tarStream.pack();
      for (const f of present) pack.entry({ name: f.target.replace(/^\/+/, ''), mode: statSync(f.hostPath).mode & 0o777 }, readFileSync(f.hostPath));
      pack.finalize();
      await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: '/' });
    }
    if (gone.length) await this.exec(id, ['rm', '-f', '--', ...gone.map((f) => f.target)]);
  }

  async remove(id: string): Promise<void> {
    await this.docker.getContainer(id).remove({ force: true, v: false }).catch((e) => {
      if (!/No such container|404|already in progress/i.test(errorText(e))) throw e;
    });
  }

  async exec(id: string, command: string[], opts: { env?: Record<string, string>; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const { signal } = opts;
    const container = this.docker.getContainer(id);
    throwIfAborted(signal);
    const exec = await bound(container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true, Env: envList(opts.env), abortSignal: signal } as Docker.ExecCreateOptions), signal);
    const stream = await bound(exec.start({ hijack: true, stdin: false, abortSignal: signal } as Docker.ExecStartOptions), signal);
    const out = new PassThrough();
    this.docker.modem.demuxStream(stream, out, out);
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await untilClosed(stream, signal);
    throwIfAborted(signal);
    const info = await bound(exec.inspect({ abortSignal: signal } as object), signal);
    return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
  }

  async runOnce(project: string, service: ResolvedService, command: string[], opts: { env?: Record<string, string>; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const spec = this.containerSpec(project, service, throwawayLabels('task'));
    return this.runThrowaway(
      {
        ...spec,
        Cmd: command,
        Env: [...spec.Env, ...envList(opts.env)],
        HostConfig: this.hostConfig(project, service),
        NetworkingConfig: { EndpointsConfig: { [networkName(project)]: {} } },
      },
      service.configFiles,
      opts.signal,
    );
  }

  async runTool(project: string, opts: { image: string; command: string[]; files: { target: string; content: string; mode: number }[]; signal?: AbortSignal }): Promise<ExecResult> {
    return this.runThrowaway(
      { Image: opts.image, Cmd: opts.command, Labels: { [LABEL.project]: project, ...throwawayLabels('tool') }, HostConfig: { NetworkMode: 'host' } },
      opts.files,
      opts.signal,
    );
  }

  /**
   * Copy a host directory's contents into a named volume (the host→containers upgrade). The copy goes
   * through the archive API into a throwaway container of the service's own image, with the volume at
   * the path the service mounts it, then takes the owner Docker gave that path from the image: a
   * mariadb volume must belong to mysql inside, whoever owned the files on the host.
   */
  async fillVolume(project: string, service: ResolvedService, volume: string, hostDir: string, signal?: AbortSignal): Promise<void> {
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
      await container.putArchive(tarFs.pack(hostDir) as unknown as NodeJS.ReadableStream, { path: mount.target, abortSignal: signal } as object);
      await bound(container.start({ abortSignal: signal } as object), signal);
      const result = (await bound(container.wait({ abortSignal: signal } as object), signal)) as { StatusCode: number };
      if (result.StatusCode !== 0) throw new BerthError(`could not give ${volume} its owner inside ${service.image} (exit ${result.StatusCode})`);
    } finally {
      await this.cleanup.getContainer(container.id).remove({ force: true }).catch(() => undefined);
    }
  }

  /** Remove one named volume of the project: only for a copy the caller made itself (an upgrade it rolls back). */
  async removeVolume(project: string, volume: string): Promise<void> {
    await this.docker.getVolume(volumeName(project, volume)).remove().catch(() => undefined);
  }

  /** Create, fill, start, wait, collect output, and always remove; killed if the signal aborts. */
  private async runThrowaway(spec: Docker.ContainerCreateOptions, files: { target: string; content: string; mode: number }[], signal?: AbortSignal): Promise<ExecResult> {
    throwIfAborted(signal);
    // Creation is not cancelled halfway: a container the engine made must be known here, to be removed.
    const container = await this.docker.createContainer(spec);
    try {
      throwIfAborted(signal);
      await this.copyFiles(container, files);
      await bound(container.start({ abortSignal: signal } as object), signal);
      const result = (await bound(container.wait({ abortSignal: signal } as object), signal)) as { StatusCode: number };
      const logs = (await bound(container.logs({ stdout: true, stderr: true, follow: false, abortSignal: signal } as object), signal)) as unknown as Buffer;
      return { exitCode: result.StatusCode, output: demuxBuffer(logs) };
    } finally {
      // force: a task still running when Ctrl-C came is killed with its container.
      await this.cleanup.getContainer(container.id).remove({ force: true }).catch(() => undefined);
    }
  }

  async logs(id: string, { tail }: { tail: number }): Promise<string[]> {
    const buf = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false }).catch(() => Buffer.alloc(0))) as unknown as Buffer;
    return toLines(demuxBuffer(buf));
  }

  async followLogs(id: string, onLine: (line: string) => void, signal: AbortSignal, { tail = 0 } = {}): Promise<void> {
    if (signal.aborted) return;
    // The signal goes to the request itself: a reader that left before the engine answered must not
    // receive a stream nobody will ever close (that kept a finished deploy alive).
    const request = this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: true, tail, abortSignal: signal } as Docker.ContainerLogsOptions & { follow: true });
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
    return { running: info.State.Running, exitCode: info.State.ExitCode, restarting: info.State.Restarting, status: info.State.Status };
  }

  async leftovers(project: string): Promise<Leftover[]> {
    const all = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`, `${LABEL.oneOff}=true`] } });
    return all.filter((c) => !ownerAlive(c.Labels[LABEL.owner])).map((c) => ({ id: c.Id, role: c.Labels[LABEL.role] ?? 'task', status: c.State }));
  }

  async removeLeftovers(project: string): Promise<Leftover[]> {
    const found = await this.leftovers(project);
    // force: a task whose berth was killed may still be running, holding the volumes it mounts.
    await Promise.all(found.map((l) => this.remove(l.id)));
    return found;
  }

  async teardown(project: string, { volumes }: { volumes: boolean }) {
    await this.docker.getNetwork(networkName(project)).remove().catch(() => undefined);
    const found = (await this.docker.listVolumes({ filters: { label: [`${LABEL.project}=${project}`] } })).Volumes ?? [];
    const names = found.map((v) => v.Name);
    if (!volumes) return { volumesRemoved: [], volumesKept: names };
    // Check first, then act: a volume still in use must not leave the others half removed.
    const users = await Promise.all(names.map(async (name) => ({ name, containers: await this.docker.listContainers({ all: true, filters: { volume: [name] } }) })));
    const busy = users.filter((u) => u.containers.length > 0);
    if (busy.length) {
      const list = busy.map((u) => `${u.name} (used by ${u.containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)).join(', ')})`).join('; ');
      throw new BerthError(`not removing any volume of ${project}: ${list}`, 'Those containers are not part of the project: remove them ("docker rm"), then run "berth down --volumes" again.');
    }
    for (const name of names) await this.docker.getVolume(name).remove();
    return { volumesRemoved: names, volumesKept: [] };
  }
}

interface Closable {
  once(event: 'close' | 'end' | 'error', fn: () => void): void;
  destroy(): void;
  destroyed?: boolean;
}

/**
 * An engine request bound to the operation's signal: an abort rejects it as cancelled, and a streamed
 * answer that arrives after the abort is destroyed at once rather than handed to a caller who has gone.
 */
async function bound<T>(request: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  let value: T;
  try {
    value = await request;
  } catch (err) {
    if (signal?.aborted) throw new CancelledError();
    throw err;
  }
  if (signal?.aborted) {
    (value as Partial<Closable> | undefined)?.destroy?.();
    throw new CancelledError();
  }
  return value;
}

/** Resolves when the stream ends, fails or closes; the signal destroys it. */
function untilClosed(stream: Closable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const onAbort = () => stream.destroy();
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
    if (stream.destroyed) return done();
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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

function envList(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
}

function buildFailed(service: ResolvedService, tail: string[], message: string): BerthError {
  return new BerthError(
    `service ${service.name}: image build failed: ${message.trim()}\n${tail.slice(-25).map((l) => `    | ${l}`).join('\n')}`,
    `Fix ${join(service.build!.context, service.build!.dockerfile)} (the failing step's output is above), then deploy again.`,
  );
}

function startFailed(cause: unknown): BerthError {
  const text = errorText(cause);
  const port = /(?:0\.0\.0\.0|127\.0\.0\.1|[\d.]+):(\d+).*(?:address already in use|port is already allocated)/.exec(text)?.[1];
  if (port || /address already in use|port is already allocated/.test(text)) {
    return new BerthError(`cannot start: host port ${port ?? ''} is already in use (${text})`, 'Stop whatever holds the port, or change the port parameter with -e or --param.');
  }
  return new BerthError(`cannot start container: ${text}`);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
