import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../../errors.js';
import type { ResolvedService } from '../../profile/model.js';
import { JsonFile } from '../../state/json-file.js';
import { hostDir } from '../../state/paths.js';

/** What the supervisor runs, written when the instance is created. */
export interface HostSpec {
  project: string;
  service: ResolvedService;
  labels: Record<string, string>;
  imageId: string;
}

/** What the supervisor reports about its child. */
export interface HostState {
  supervisorPid: number;
  childPid?: number;
  running: boolean;
  /** The supervisor is waiting out a backoff before starting the child again. */
  restarting: boolean;
  exitCode?: number;
  restarts: number;
  startedAt?: string;
  status: string;
}

/**
 * One directory per host instance under <state>/projects/<project>/host/instances/<service>: spec.json,
 * state.json (written by the supervisor), output.log. Files are replaced atomically: the CLI reads them
 * while the supervisor writes.
 */
export class InstanceFiles {
  constructor(readonly dir: string) {}

  static forProject(projectDir: string): string {
    return join(hostDir(projectDir), 'instances');
  }

  static list(projectDir: string): InstanceFiles[] {
    const root = InstanceFiles.forProject(projectDir);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .map((name) => new InstanceFiles(join(root, name)))
      .filter((i) => existsSync(i.specFile));
  }

  get specFile(): string {
    return join(this.dir, 'spec.json');
  }

  get stateFile(): string {
    return join(this.dir, 'state.json');
  }

  get logFile(): string {
    return join(this.dir, 'output.log');
  }

  /** A spec holds the rendered environment (secrets included): readable by the owner only. */
  private get spec(): JsonFile<HostSpec | undefined> {
    return new JsonFile<HostSpec | undefined>(this.specFile, () => undefined, 0o600);
  }

  private get state(): JsonFile<HostState | undefined> {
    return new JsonFile<HostState | undefined>(this.stateFile, () => undefined, 0o600);
  }

  readSpec(): HostSpec {
    const spec = this.spec.read();
    if (!spec) throw new BerthError(`no host instance in ${this.dir}`, 'Deploy it with "berth deploy --runtime host".');
    return spec;
  }

  writeSpec(spec: HostSpec): void {
    this.spec.write(spec);
  }

  readState(): HostState | undefined {
    return this.state.read();
  }

  writeState(state: HostState): void {
    this.state.write(state);
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
