import { join } from 'node:path';
import type { ResolvedService } from '../profile/model.js';
import { JsonFile } from './json-file.js';

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
  private readonly store: JsonFile<Record<string, DeployedService>>;

  constructor(projectDir: string) {
    this.store = new JsonFile(join(projectDir, 'deployed.json'), () => ({}), 0o600);
  }

  get(service: string): DeployedService | undefined {
    return this.store.read()[service];
  }

  record(entry: DeployedService): void {
    this.store.write({ ...this.store.read(), [entry.service.name]: entry });
  }
}
