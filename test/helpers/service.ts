import type { ResolvedService } from '../../lib/profile/model.js';
import type { Instance } from '../../lib/runtime/types.js';

export function service(name: string, over: Partial<ResolvedService> = {}): ResolvedService {
  return {
    name,
    file: `/profiles/services/${name}.yaml`,
    image: `berth/${name}:latest`,
    environment: {},
    ports: [],
    volumes: [],
    configFiles: [],
    dependsOn: [],
    bootstrap: [],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10_000,
    restart: 'unless-stopped',
    ...over,
  };
}

export function instance(name: string, over: Partial<Instance> = {}): Instance {
  return {
    id: `id-${name}`,
    service: name,
    project: 'p',
    configHash: '',
    imageId: `img-${name}`,
    running: true,
    status: 'running',
    ports: [],
    volumes: [],
    onRemove: [],
    ...over,
  };
}
