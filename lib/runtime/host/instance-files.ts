import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedService } from '../../profile/model.js';

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
    return join(projectDir, 'host', 'instances');
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

  readSpec(): HostSpec {
    return JSON.parse(readFileSync(this.specFile, 'utf8')) as HostSpec;
  }

  writeSpec(spec: HostSpec): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeAtomic(this.specFile, JSON.stringify(spec));
  }

  readState(): HostState | undefined {
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8')) as HostState;
    } catch {
      return undefined;
    }
  }

  writeState(state: HostState): void {
    writeAtomic(this.stateFile, JSON.stringify(state));
  }
}

function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  // Specs hold rendered environment (secrets included): readable by the owner only.
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, file);
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
