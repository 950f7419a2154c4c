import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedService } from '../profile/model.js';

export interface DeployedService {
  service: ResolvedService;
  imageId: string;
}

/**
 * What each service last became ready as: its full resolved definition and the image it ran. `berth
 * update` rolls a failed service back to this. It holds rendered config, secrets included, so the file
 * is 0600 in the 0700 project directory, like the secrets themselves.
 */
export class DeployedRecord {
  private readonly file: string;

  constructor(projectDir: string) {
    this.file = join(projectDir, 'deployed.json');
  }

  read(): Record<string, DeployedService> {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, DeployedService>;
    } catch {
      return {};
    }
  }

  get(service: string): DeployedService | undefined {
    return this.read()[service];
  }

  record(entry: DeployedService): void {
    const all = { ...this.read(), [entry.service.name]: entry };
    mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}
