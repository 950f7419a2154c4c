import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../../errors.js';
import { abortableSleep } from '../../health/probe.js';
import type { ResolvedService } from '../../profile/model.js';
import { hostDir, projectStateDir, stateRoot } from '../../state/paths.js';
import {
  LABEL,
  parseRemovalLabel,
  type EngineInfo,
  type EnsureImageOptions,
  type ExecResult,
  type Instance,
  type Leftover,
  type Runtime,
  type RuntimeCapabilities,
  type VolumeExport,
} from '../types.js';
import { InstanceFiles, isAlive, type HostState } from './instance-files.js';
import { HostFootprint } from './footprint.js';
import { ensurePackages, installedVersions, packageFingerprint } from './packages.js';

const SUPERVISOR = join(dirname(fileURLToPath(import.meta.url)), 'supervisor.js');

/**
 * Services as plain host processes from Debian packages, for people who do not use containers and as
 * the starting point of `berth upgrade --from host`. Each runs under a detached supervisor (restart
 * with backoff, stop signal honoured); named volumes are directories under the project's host dir.
 */
export class HostRuntime implements Runtime, VolumeExport {
  readonly name = 'host' as const;
  /**
   * Services run from packages and read their sources in place: no image store, no tool containers (client
   * checks use a Docker engine, see client-engine.ts), nothing to copy into; volumes are directories.
   */
  readonly capabilities: RuntimeCapabilities;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    this.capabilities = {
      volumeExport: this,
      footprint: new HostFootprint(env, (project, volume) => this.volumeDir(project, volume)),
    };
  }

  private projectDir(project: string): string {
    return projectStateDir(project, this.env);
  }

  volumeDir(project: string, volume: string): string {
    return join(this.volumesRoot(project), volume);
  }

  private volumesRoot(project: string): string {
    return join(hostDir(this.projectDir(project)), 'volumes');
  }

  /** Everything the host runtime keeps for the project (configs, logs, volumes), for good. */
  removeHostDir(project: string): string {
    const dir = hostDir(this.projectDir(project));
    rmSync(dir, { recursive: true, force: true });
    return dir;
  }

  private files(id: string): InstanceFiles {
    const [project, service] = parseId(id);
    return new InstanceFiles(join(InstanceFiles.forProject(this.projectDir(project)), service));
  }

  async info(): Promise<EngineInfo> {
    return { name: 'host processes', version: release() };
  }

  async list(project: string): Promise<Instance[]> {
    return InstanceFiles.list(this.projectDir(project)).map((files) => {
      const spec = files.readSpec();
      const state = files.readState();
      const { supervised, running } = liveness(state);
      return {
        id: instanceId(project, spec.service.name),
        service: spec.service.name,
        project,
        configHash: spec.labels[LABEL.configHash] ?? '',
        imageId: spec.imageId,
        running,
        exitCode: running ? undefined : state?.exitCode,
        status: !state ? 'created' : running ? 'running' : supervised && state.restarting ? 'restarting' : state.status,
        startedAt: state?.startedAt,
        ports: spec.service.ports
          .filter((p) => p.hostPort)
          .map((p) => ({ containerPort: p.containerPort, hostIp: p.hostIp, hostPort: p.hostPort! })),
        volumes: spec.service.volumes.filter((v) => v.type === 'volume').map((v) => v.source),
        onRemove: parseRemovalLabel(spec.labels[LABEL.onRemove]),
      };
    });
  }

  async ensureImage(service: ResolvedService, opts: EnsureImageOptions): Promise<string> {
    const packages = service.host?.packages ?? [];
    // Every deploy asks; only a missing package is worth a second dpkg query and an install.
    const present = await installedVersions(packages);
    if ([...present.values()].every(Boolean)) return packageFingerprint(present);
    opts.onWork?.('pulling');
    await ensurePackages(
      service.name,
      packages,
      (line) => opts.onProgress?.({ line }),
      (installed) => this.recordInstalled(installed),
    );
    return packageFingerprint(await installedVersions(packages));
  }

  /**
   * Packages berth installed itself, and so may purge on --cleanup. A machine-wide record (installing
   * needs root anyway): which state directory a deploy used says nothing about what it installed.
   */
  installedByBerth(): string[] {
    try {
      return JSON.parse(readFileSync(this.packagesFile, 'utf8')) as string[];
    } catch {
      return [];
    }
  }

  forgetInstalled(packages: readonly string[]): void {
    this.writeInstalled(this.installedByBerth().filter((p) => !packages.includes(p)));
  }

  private recordInstalled(packages: readonly string[]): void {
    this.writeInstalled([...new Set([...this.installedByBerth(), ...packages])]);
  }

  private writeInstalled(packages: string[]): void {
    mkdirSync(dirname(this.packagesFile), { recursive: true, mode: 0o700 });
    writeFileSync(this.packagesFile, JSON.stringify(packages.sort()));
  }

  private get packagesFile(): string {
    return join(this.env.BERTH_SYSTEM_DIR ?? '/var/lib/berth', 'installed-packages.json');
  }

  /** Packages that host services of projects other than this one still run from. */
  packagesInUseElsewhere(project: string): Set<string> {
    const projects = join(stateRoot(this.env), 'projects');
    if (!existsSync(projects)) return new Set();
    return new Set(
      readdirSync(projects)
        .filter((p) => p !== project)
        .flatMap((p) =>
          InstanceFiles.list(join(projects, p)).flatMap((i) => i.readSpec().service.host?.packages ?? []),
        ),
    );
  }

  async imageStatus(service: ResolvedService): Promise<{ id?: string; stale: boolean }> {
    const versions = await installedVersions(service.host?.packages ?? []);
    return { id: [...versions.values()].every(Boolean) ? packageFingerprint(versions) : undefined, stale: false };
  }

  async volumeExists(project: string, name: string): Promise<boolean> {
    return existsSync(this.volumeDir(project, name));
  }

  async volumeGenerations(project: string): Promise<Map<string, string>> {
    const root = this.volumesRoot(project);
    const times = new Map<string, string>();
    if (!existsSync(root)) return times;
    // Birth time, unlike ctime, moves only when the directory is made again.
    for (const name of readdirSync(root)) times.set(name, statSync(join(root, name)).birthtime.toISOString());
    return times;
  }

  async prepare(project: string, services: ResolvedService[]): Promise<void> {
    for (const s of services)
      for (const v of s.volumes)
        if (v.type === 'volume') mkdirSync(this.volumeDir(project, v.source), { recursive: true, mode: 0o700 });
  }

  async create(project: string, service: ResolvedService, labels: Record<string, string>): Promise<string> {
    if (!service.command?.length)
      throw new BerthError(
        `service ${service.name} has no command to run on the host`,
        `Give its host block a foreground "command" in ${service.file}.`,
      );
    writeConfigFiles(service);
    const id = instanceId(project, service.name);
    const files = this.files(id);
    rmSync(files.stateFile, { force: true });
    files.writeSpec({
      project,
      service,
      labels,
      imageId: packageFingerprint(await installedVersions(service.host?.packages ?? [])),
    });
    return id;
  }

  async start(id: string): Promise<void> {
    const files = this.files(id);
    const before = files.readState();
    if (supervising(before)) return;
    rmSync(files.stateFile, { force: true });
    const child = spawn(process.execPath, [SUPERVISOR, files.dir], { detached: true, stdio: 'ignore', env: this.env });
    child.unref();
    // The supervisor writes its state once the service's process is spawned.
    for (let i = 0; i < 250; i++) {
      const state = files.readState();
      if (state?.childPid || (state && !state.running)) return;
      await abortableSleep(20);
    }
    throw new BerthError(`the supervisor of ${parseId(id)[1]} did not report within 5 s`, `See ${files.logFile}.`);
  }

  async stop(id: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    const files = this.files(id);
    const state = files.readState();
    if (!supervising(state)) return;
    process.kill(state!.supervisorPid, 'SIGTERM');
    const limit = Date.now() + (opts.timeoutMs ?? files.readSpec().service.stopTimeoutMs) + 5_000;
    // The supervisor's last word is its state file: an exited supervisor nobody has reaped yet still
    // answers kill(pid, 0) as a zombie.
    const exited = () => files.readState()?.status.startsWith('exited');
    while (isAlive(state!.supervisorPid) && !exited() && Date.now() < limit) await abortableSleep(25);
    if (!exited() && isAlive(state!.supervisorPid)) {
      // A supervisor that did not finish in time leaves no process behind: its child goes with it.
      const childPid = files.readState()?.childPid;
      process.kill(state!.supervisorPid, 'SIGKILL');
      if (childPid && isAlive(childPid)) process.kill(childPid, 'SIGKILL');
    }
  }

  async remove(id: string): Promise<void> {
    await this.stop(id);
    rmSync(this.files(id).dir, { recursive: true, force: true });
  }

  async restart(id: string, opts: { timeoutMs: number }): Promise<void> {
    await this.stop(id, opts);
    await this.start(id);
  }

  async exec(
    id: string,
    command: string[],
    opts: { env?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const files = this.files(id);
    // A probe told which process is the service's can look at what that process holds (its sockets, say):
    // on the host, unlike in a container, every service shares one process and connection table.
    const childPid = files.readState()?.childPid;
    const env = { ...opts.env, ...(childPid ? { BERTH_PID: String(childPid) } : {}) };
    return this.runProcess(files.readSpec().service, command, { ...opts, env });
  }

  async runOnce(
    _project: string,
    service: ResolvedService,
    command: string[],
    opts: { env?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    // Tasks that run before the service starts read its config, as a one-off container would.
    writeConfigFiles(service);
    return this.runProcess(service, command, opts);
  }

  private async runProcess(
    service: ResolvedService,
    command: string[],
    opts: { env?: Record<string, string>; signal?: AbortSignal },
  ): Promise<ExecResult> {
    const { execa } = await import('execa');
    const r = await execa(command[0]!, command.slice(1), {
      cwd: service.workingDir,
      env: { ...service.environment, ...opts.env },
      all: true,
      reject: false,
      cancelSignal: opts.signal,
      stdin: 'ignore',
    });
    return { exitCode: r.exitCode ?? 127, output: String(r.all ?? r.shortMessage ?? '') };
  }

  async logs(id: string, opts: { tail: number }): Promise<string[]> {
    const file = this.files(id).logFile;
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-opts.tail);
  }

  async followLogs(
    id: string,
    onLine: (line: string) => void,
    signal: AbortSignal,
    opts: { tail?: number } = {},
  ): Promise<void> {
    const file = this.files(id).logFile;
    for (const line of await this.logs(id, { tail: opts.tail ?? 0 })) if (opts.tail) onLine(line);
    let offset = existsSync(file) ? statSync(file).size : 0;
    let partial = '';
    while (!signal.aborted) {
      await abortableSleep(200, signal).catch(() => undefined);
      if (!existsSync(file)) continue;
      const size = statSync(file).size;
      if (size <= offset) continue;
      const fd = openSync(file, 'r');
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      closeSync(fd);
      offset = size;
      const lines = (partial + buffer.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    }
  }

  async inspectState(id: string): Promise<{ running: boolean; exitCode: number; restarting: boolean; status: string }> {
    const state = this.files(id).readState();
    const { supervised, running } = liveness(state);
    return {
      running,
      exitCode: state?.exitCode ?? 0,
      restarting: Boolean(supervised && state?.restarting),
      status: running ? 'running' : (state?.status ?? 'created'),
    };
  }

  /** Host tasks run as berth's own child processes: there are no throwaway containers to leave behind. */
  async leftovers(): Promise<Leftover[]> {
    return [];
  }

  async removeLeftovers(): Promise<Leftover[]> {
    return [];
  }

  async teardown(
    project: string,
    opts: { volumes: boolean },
  ): Promise<{ volumesRemoved: string[]; volumesKept: string[] }> {
    const names = [...(await this.volumeGenerations(project)).keys()];
    if (!opts.volumes) return { volumesRemoved: [], volumesKept: names };
    for (const name of names) rmSync(this.volumeDir(project, name), { recursive: true, force: true });
    return { volumesRemoved: names, volumesKept: [] };
  }
}

function writeConfigFiles(service: ResolvedService): void {
  for (const f of service.configFiles) {
    mkdirSync(dirname(f.target), { recursive: true, mode: 0o700 });
    writeFileSync(f.target, f.content, { mode: f.mode });
    chmodSync(f.target, f.mode);
  }
}

/** Whether the supervisor still looks after the service, and whether the service's process is up. */
function liveness(state: HostState | undefined): { supervised: boolean; running: boolean } {
  const supervised = supervising(state);
  return { supervised, running: Boolean(supervised && state?.running && isAlive(state?.childPid)) };
}

/** A supervisor that is alive and has not reported its exit (an unreaped one is a zombie, still "alive"). */
function supervising(state: HostState | undefined): boolean {
  return Boolean(state && isAlive(state.supervisorPid) && !state.status.startsWith('exited'));
}

export function instanceId(project: string, service: string): string {
  return `host:${project}:${service}`;
}

function parseId(id: string): [project: string, service: string] {
  const [, project, service] = id.split(':');
  return [project!, service!];
}
