import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { steps } from '../../lib/graph/graph.js';
import type { ResolvedProfile, ResolvedService } from '../../lib/profile/model.js';
import { service } from './service.js';

/** A healthy-on-exec service for the FakeRuntime: probed quickly, failed after two misses. */
export function fakeService(name: string, over: Partial<ResolvedService> = {}): ResolvedService {
  return service(name, {
    healthcheck: {
      probe: { kind: 'exec', command: ['healthy', name] },
      intervalMs: 1,
      timeoutMs: 1000,
      retries: 2,
      startPeriodMs: 0,
    },
    ...over,
  });
}

/** A profile of these services in a fresh state directory, steps from their dependencies. */
export function fakeProfile(services: ResolvedService[], stateDir?: string): ResolvedProfile {
  return {
    name: 'p',
    project: 'p',
    runtime: 'docker',
    file: '/p/profile.yaml',
    services,
    steps: steps(services.map((s) => ({ name: s.name, dependsOn: s.dependsOn.map((d) => d.service) }))),
    stateDir: stateDir ?? mkdtempSync(join(tmpdir(), 'berth-fake-')),
    verify: [],
    images: [],
    hostFiles: [],
    files: [],
    outside: [],
    warnings: [],
  };
}

/** heat-engine's dev.ready as its service file says it: heat's service list shows a new engine_id with status up. */
export const heatEngineListed = {
  api: 'orchestration',
  path: '/services',
  list: 'services',
  id: 'engine_id',
  where: { status: 'up' },
  headers: {},
  timeoutMs: 60_000,
};
