import { join } from 'node:path';
import type { BuildSpec, ResolvedService } from '../../lib/profile/model.js';
import {
  LABEL,
  type EnsureImageOptions,
  type ExecResult,
  type ImageStore,
  type Instance,
  type Runtime,
  type RuntimeCapabilities,
} from '../../lib/runtime/types.js';

interface FakeInstance {
  instance: Instance;
  service: ResolvedService;
}

/**
 * An in-memory Runtime for unit tests of the logic above it (scheduler, update and its rollback, the dev
 * loop): instances are records, an image is an ID per build, and a service is healthy when `healthy`
 * says so. Services give it exec health checks (an http probe would need a real port). Every call that
 * changes something is written to `calls` in order, which is what the tests assert on.
 */
export class FakeRuntime implements Runtime, ImageStore {
  readonly name: 'docker' | 'host';
  readonly capabilities: RuntimeCapabilities;
  readonly calls: string[] = [];
  readonly tags = new Map<string, string>();
  /** Whether an instance of the service, started from this image, passes its health check. */
  healthy: (service: string, imageId: string) => boolean = () => true;
  /** Called at each start, in the order starts happen; a test may hold one back with a promise. */
  onStart: (service: string) => Promise<void> | void = () => undefined;
  /** Called at each exec that is not a health probe, as onStart is. */
  onExec: (command: string[]) => Promise<void> | void = () => undefined;
  /** Called at each image build, before it is tagged; it may hold the build back, or throw to fail it. */
  onBuild: (service: string) => Promise<void> | void = () => undefined;
  /** Called at each stop, as onStart is. */
  onStop: (service: string) => Promise<void> | void = () => undefined;
  private readonly instances = new Map<string, FakeInstance>();
  private builds = 0;
  private nextId = 0;

  readonly filled: string[] = [];

  /**
   * A Docker-like fake by default (image store, volumes filled from a directory); `volumesAt` makes a
   * host-like one whose named volumes are directories under it.
   */
  constructor(opts: { name?: 'docker' | 'host'; images?: boolean; volumesAt?: string } = {}) {
    this.name = opts.name ?? 'docker';
    const volumesAt = opts.volumesAt;
    this.capabilities = volumesAt
      ? { volumeExport: { volumeDir: (project, volume) => join(volumesAt, project, volume) } }
      : opts.images === false
        ? {}
        : {
            images: this,
            volumeImport: {
              fillVolume: async (_project, service, volume, fromDir) => {
                this.filled.push(`${service.name}:${volume}<-${fromDir}`);
              },
              removeVolume: async () => undefined,
            },
          };
  }

  async info() {
    return { name: this.name, version: 'fake' };
  }

  async list(project: string): Promise<Instance[]> {
    return [...this.instances.values()].map((i) => i.instance).filter((i) => i.project === project);
  }

  /** Images whose build context (or a base they build FROM) changed since they were built. */
  staleImages = new Set<string>();

  async ensureImage(service: ResolvedService, opts: EnsureImageOptions = {}): Promise<string> {
    const tagged = this.tags.get(service.image);
    if (tagged && !opts.force && !opts.noCache && !this.staleImages.has(service.image)) return tagged;
    this.staleImages.delete(service.image);
    this.calls.push(`building ${service.name}`);
    await this.onBuild(service.name);
    const id = `img-${service.name}-${++this.builds}`;
    this.tags.set(service.image, id);
    this.calls.push(`build ${service.name} ${id}`);
    return id;
  }

  async imageStatus(service: ResolvedService) {
    return { id: this.tags.get(service.image), stale: this.staleImages.has(service.image) };
  }

  /** Called when a shared base image is asked for; it may hold that build back. */
  onBaseBuild: (name: string) => Promise<void> | void = () => undefined;

  async ensureBuiltImage(name: string, _build: BuildSpec): Promise<string> {
    this.calls.push(`base ${name}`);
    await this.onBaseBuild(name);
    this.calls.push(`base built ${name}`);
    return this.tags.get(name) ?? `img-${name}`;
  }

  async tagImage(imageId: string, name: string): Promise<void> {
    this.tags.set(name, imageId);
    this.calls.push(`tag ${name} ${imageId}`);
  }

  async hasImage(name: string): Promise<boolean> {
    return this.tags.has(name);
  }

  async volumeExists(): Promise<boolean> {
    return true;
  }

  async volumeGenerations(): Promise<Map<string, string>> {
    return new Map();
  }

  async prepare(): Promise<void> {}

  async create(project: string, service: ResolvedService, labels: Record<string, string>): Promise<string> {
    const id = `c${++this.nextId}`;
    const imageId = this.tags.get(service.image) ?? `img-${service.name}`;
    this.instances.set(id, {
      service,
      instance: {
        id,
        service: service.name,
        project,
        configHash: labels[LABEL.configHash] ?? '',
        imageId,
        running: false,
        status: 'created',
        ports: [],
        volumes: [],
        onRemove: [],
      },
    });
    this.calls.push(`create ${service.name} ${imageId}`);
    return id;
  }

  async start(id: string): Promise<void> {
    const i = this.get(id);
    this.calls.push(`start ${i.service.name}`);
    await this.onStart(i.service.name);
    Object.assign(i.instance, { running: true, status: 'running', startedAt: new Date().toISOString() });
  }

  async stop(id: string): Promise<void> {
    const i = this.get(id);
    this.calls.push(`stop ${i.service.name}`);
    await this.onStop(i.service.name);
    Object.assign(i.instance, { running: false, status: 'exited', exitCode: 0 });
  }

  async remove(id: string): Promise<void> {
    this.calls.push(`remove ${this.get(id).service.name}`);
    this.instances.delete(id);
  }

  async restart(id: string): Promise<void> {
    const i = this.get(id);
    this.calls.push(`restart ${i.service.name}`);
    Object.assign(i.instance, { running: true, status: 'running', startedAt: new Date().toISOString() });
  }

  /** Each health probe, with how many calls had been made when it was asked (its place among them). */
  probes: { service: string; after: number }[] = [];

  async exec(id: string, command: string[]): Promise<ExecResult> {
    const i = this.get(id);
    const probe = i.service.healthcheck?.probe;
    if (probe?.kind === 'exec' && probe.command.join(' ') === command.join(' ')) {
      this.probes.push({ service: i.service.name, after: this.calls.length });
      return { exitCode: this.healthy(i.service.name, i.instance.imageId) ? 0 : 1, output: '' };
    }
    this.calls.push(`exec ${i.service.name} ${command.join(' ')}`);
    await this.onExec(command);
    return { exitCode: 0, output: '' };
  }

  async runOnce(_project: string, service: ResolvedService, command: string[]): Promise<ExecResult> {
    this.calls.push(`run ${service.name} ${command.join(' ')}`);
    return { exitCode: 0, output: '' };
  }

  async logs(): Promise<string[]> {
    return [];
  }

  async followLogs(_id: string, _onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }

  async inspectState(id: string) {
    const { instance } = this.get(id);
    return { running: instance.running, exitCode: instance.exitCode ?? 0, restarting: false, status: instance.status };
  }

  async leftovers() {
    return [];
  }

  async removeLeftovers() {
    return [];
  }

  async teardown() {
    return { volumesRemoved: [], volumesKept: [] };
  }

  private get(id: string): FakeInstance {
    const i = this.instances.get(id);
    if (!i) throw new Error(`no such instance ${id}`);
    return i;
  }
}
