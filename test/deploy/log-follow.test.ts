import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { deploy } from '../../lib/deploy/deploy.js';
import { EventBus } from '../../lib/events/bus.js';
import type { BerthEvent } from '../../lib/events/types.js';
import type { ResolvedProfile } from '../../lib/profile/model.js';
import { DockerRuntime } from '../../lib/runtime/docker/docker-runtime.js';
import type { Instance, Runtime } from '../../lib/runtime/types.js';
import { fakeDocker } from '../helpers/fake-docker.js';
import { instance, service } from '../helpers/service.js';

/**
 * A runtime whose containers are healthy at the first probe and whose engine answers the log follow
 * only after that: the real DockerRuntime.followLogs over a client that holds the answer back.
 */
function fixture() {
  const { docker, nextRequest } = fakeDocker();
  const engine = new DockerRuntime({ docker });
  const created: Instance[] = [];
  const runtime = {
    name: 'docker',
    capabilities: {},
    info: async () => ({ name: 'docker', version: 'fake' }),
    list: async () => created,
    volumeExists: async () => false,
    volumeGenerations: async () => new Map(),
    removeLeftovers: async () => [],
    ensureImage: async () => 'sha256:fake',
    imageStatus: async () => ({ stale: true }),
    prepare: async () => undefined,
    create: async (_project: string, s: { name: string }) => {
      created.push(instance(s.name, { id: `id-${s.name}` }));
      return `id-${s.name}`;
    },
    start: async () => undefined,
    exec: async () => ({ exitCode: 0, output: '' }),
    logs: async () => [],
    followLogs: engine.followLogs.bind(engine),
  } as unknown as Runtime;
  return { runtime, nextRequest };
}

describe('deploy and the log follow it opens for the screen', () => {
  it('closes a follow that the engine answers only after the health check has passed', async () => {
    const { runtime, nextRequest } = fixture();
    const profile: ResolvedProfile = {
      name: 'p',
      project: 'p',
      runtime: 'docker',
      file: '/p/profile.yaml',
      services: [
        service('quick', {
          healthcheck: {
            probe: { kind: 'exec', command: ['true'] },
            intervalMs: 250,
            timeoutMs: 1000,
            retries: 3,
            startPeriodMs: 0,
          },
        }),
      ],
      steps: [['quick']],
      stateDir: mkdtempSync(join(tmpdir(), 'berth-follow-')),
      verify: [],
      images: [],
      hostFiles: [],
      files: [],
      outside: [],
      warnings: [],
    };
    const bus = new EventBus();
    const events: BerthEvent['type'][] = [];
    bus.subscribe((e) => events.push(e.type));
    const request = nextRequest();
    await deploy({ runtime, profile, bus });
    expect(events.at(-1)).toBe('deploy.done');
    // Only now does the engine answer: the deploy is over, so the stream must not live on.
    const stream = new PassThrough();
    (await request).answer(stream);
    await new Promise((r) => setImmediate(r));
    expect(stream.destroyed).toBe(true);
  });
});
