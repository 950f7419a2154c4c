import type { BuildSpec, RemovalTask, ResolvedService } from '../profile/model.js';

/** What berth needs from wherever services run: Docker (dockerode) or host processes (execa). */
export interface Instance {
  id: string;
  service: string;
  project: string;
  configHash: string;
  imageId: string;
  running: boolean;
  /** Exit code when stopped, for one-shot services. */
  exitCode?: number;
  status: string;
  startedAt?: string;
  ports: { containerPort: number; hostIp: string; hostPort: number }[];
  /** Named volumes (unprefixed) it mounts. */
  volumes: string[];
  /** What to run inside it before removing it for good (recorded at creation: the profile may no longer name it). */
  onRemove: RemovalTask[];
}

export interface Leftover {
  id: string;
  role: string;
  status: string;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

export interface EngineInfo {
  name: string;
  version: string;
  apiVersion?: string;
}

export interface ImageProgress {
  step?: number;
  totalSteps?: number;
  line: string;
}

export interface EnsureImageOptions {
  signal?: AbortSignal;
  onProgress?: (p: ImageProgress) => void;
  onWork?: (kind: 'building' | 'pulling') => void;
  /** Build even when the context is unchanged (the builder's cache still applies). */
  force?: boolean;
  /** Build every step again, for refreshed packages. */
  noCache?: boolean;
}

/**
 * What every runtime does: run a service's instances. What only some can do is in `capabilities`, and a
 * command that needs one asks with requireCapability (capabilities.ts), so it fails before changing anything.
 */
export interface Runtime {
  readonly name: 'docker' | 'host';
  readonly capabilities: RuntimeCapabilities;
  info(signal?: AbortSignal): Promise<EngineInfo>;
  /** Every instance belonging to the project, running or not. */
  list(project: string): Promise<Instance[]>;
  /**
   * Make what the service runs from exist and return its identity: on Docker its image (built with cache,
   * or pulled) and the image ID; on the host its Debian packages and a fingerprint of their versions.
   */
  ensureImage(service: ResolvedService, opts: EnsureImageOptions): Promise<string>;
  /** The identity ensureImage would return now, and whether its build context changed since (Docker). */
  imageStatus(service: ResolvedService): Promise<{ id?: string; stale: boolean }>;
  volumeExists(project: string, name: string): Promise<boolean>;
  /**
   * An identity for each of the project's named volumes (unprefixed) that changes only when the volume
   * is recreated: a recreated volume is new data, and the bootstrap tasks acting on it must run again.
   */
  volumeGenerations(project: string): Promise<Map<string, string>>;
  /** Network and named volumes the project's services use. */
  prepare(project: string, services: ResolvedService[]): Promise<void>;
  create(project: string, service: ResolvedService, labels: Record<string, string>): Promise<string>;
  start(id: string): Promise<void>;
  /** Stop with the service's stop signal; without timeoutMs the instance's own stop timeout applies. */
  stop(id: string, opts?: { timeoutMs?: number }): Promise<void>;
  remove(id: string): Promise<void>;
  /** Stop (stop signal, then SIGKILL after timeoutMs) and start again, in one engine call. */
  restart(id: string, opts: { timeoutMs: number }): Promise<void>;
  exec(
    id: string,
    command: string[],
    opts?: { env?: Record<string, string>; signal?: AbortSignal },
  ): Promise<ExecResult>;
  /** Run a command once in a throwaway instance of the service's image, on the project's network. */
  runOnce(
    project: string,
    service: ResolvedService,
    command: string[],
    opts?: { env?: Record<string, string>; signal?: AbortSignal },
  ): Promise<ExecResult>;
  logs(id: string, opts: { tail: number }): Promise<string[]>;
  followLogs(id: string, onLine: (line: string) => void, signal: AbortSignal, opts?: { tail?: number }): Promise<void>;
  inspectState(id: string): Promise<{ running: boolean; exitCode: number; restarting: boolean; status: string }>;
  /** Throwaway containers (tasks, tools, copies) of the project whose berth process is gone. */
  leftovers(project: string): Promise<Leftover[]>;
  /** Remove them; returns what was removed. */
  removeLeftovers(project: string): Promise<Leftover[]>;
  /** Remove the project's network, and its volumes only when asked. */
  teardown(project: string, opts: { volumes: boolean }): Promise<{ volumesRemoved: string[]; volumesKept: string[] }>;
}

/** An image store: Docker has one; the host runs from packages and has none. */
export interface ImageStore {
  /** Build a named base image from a context when its context changed (shared bases of a profile). */
  ensureBuiltImage(name: string, build: BuildSpec, opts: EnsureImageOptions): Promise<string>;
  /** Give an image (by ID) another name, e.g. to keep it for a rollback. */
  tagImage(imageId: string, name: string): Promise<void>;
  hasImage(name: string): Promise<boolean>;
}

/** Runs a tool image once on the host network (sees 127.0.0.1 published ports as a host user does). */
export interface ToolRunner {
  runTool(
    project: string,
    opts: {
      image: string;
      command: string[];
      files: { target: string; content: string; mode: number }[];
      signal?: AbortSignal;
    },
  ): Promise<ExecResult>;
  /**
   * One tool container kept running for many commands, its main process `serve` (e.g. a warm client that
   * commands fork from): a command then costs an exec, not a container's create, start and removal.
   */
  openToolSession?(
    project: string,
    opts: { image: string; serve: string[]; files: { target: string; content: string; mode: number }[] },
  ): Promise<ToolSession>;
}

export interface ToolSession {
  run(command: string[], opts?: { signal?: AbortSignal }): Promise<ExecResult>;
  /** Removes the container; commands still running end with it. */
  close(): Promise<void>;
}

/** Copies host files into a running instance (dev `sync`); a missing host file is removed there. */
export interface FileSync {
  copyInto(id: string, files: { hostPath: string; target: string }[]): Promise<void>;
}

/** Named volumes filled from a directory (an upgrade's copy of host data), and removed one by one. */
export interface VolumeImport {
  fillVolume(
    project: string,
    service: ResolvedService,
    volume: string,
    fromDir: string,
    signal?: AbortSignal,
  ): Promise<void>;
  removeVolume(project: string, volume: string): Promise<void>;
}

/** Named volumes that are plain directories, readable where they are (the host runtime's). */
export interface VolumeExport {
  volumeDir(project: string, volume: string): string;
}

/** What a deployment costs this machine, for `berth evaluate`: its processes and its bytes on disk. */
export interface Footprint {
  /** The main process of each running instance of the project, as this machine's kernel numbers it. */
  servicePids(project: string): Promise<Map<string, number>>;
  /** The runtime's own processes that keep those running: supervisors, or the engine and its shims. */
  runtimePids(project: string): Promise<number[]>;
  /** What the services run from (packages or images) and the project's named volumes, in bytes. */
  diskBytes(project: string, services: ResolvedService[]): Promise<{ software: number; data: number }>;
}

export interface RuntimeCapabilities {
  images?: ImageStore;
  tools?: ToolRunner;
  sync?: FileSync;
  volumeImport?: VolumeImport;
  volumeExport?: VolumeExport;
  footprint?: Footprint;
}

export const LABEL = {
  project: 'org.berth.project',
  service: 'org.berth.service',
  configHash: 'org.berth.config-hash',
  contextHash: 'org.berth.context-hash',
  oneOff: 'org.berth.one-off',
  onRemove: 'org.berth.on-remove',
  volumeGeneration: 'org.berth.volume-generation',
  /** What a throwaway container is for: a bootstrap task, a client tool, a volume copy. */
  role: 'org.berth.role',
  /** host/pid of the berth process that made a throwaway container: while it lives, the container is its. */
  owner: 'org.berth.owner',
  /** JSON of the service's CtlplaneMember: the runtime joins the container to the ctlplane at every start. */
  ctlplane: 'org.berth.ctlplane',
} as const;

/** The removal tasks recorded on an instance; an unreadable label counts as none. */
export function parseRemovalLabel(value: string | undefined): RemovalTask[] {
  if (!value) return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed)
      ? parsed.filter((t): t is RemovalTask => typeof t?.name === 'string' && Array.isArray(t?.command))
      : [];
  } catch {
    return [];
  }
}
