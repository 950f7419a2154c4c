import { describe, expect, it } from 'vitest';
import { configHash } from '../../lib/plan/hash.js';
import { isNoop, planDeploy } from '../../lib/plan/plan.js';
import { instance, service } from '../helpers/service.js';

const db = service('db', { volumes: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }] });
const api = service('api', { dependsOn: [{ service: 'db', condition: 'healthy', restart: false }] });
const web = service('web', { dependsOn: [{ service: 'api', condition: 'healthy', restart: true }] });
const services = [db, api, web];
const images = new Map([
  ['db', 'img-db'],
  ['api', 'img-api'],
  ['web', 'img-web'],
]);
const deployed = () =>
  services.map((s) => instance(s.name, { configHash: configHash(s), volumes: s.name === 'db' ? ['data'] : [] }));

const dbOnly = () => deployed().filter((i) => i.service === 'db');

const summary = (actions: ReturnType<typeof planDeploy>) =>
  actions.map((a) => `${a.service}:${a.action}${a.reasons.length ? `(${a.reasons.join('; ')})` : ''}`);

describe('planDeploy', () => {
  it('creates everything on an empty engine', () => {
    expect(summary(planDeploy({ services, actual: [], imageIds: images, volumes: new Set() }))).toEqual([
      'db:create(not deployed)',
      'api:create(not deployed)',
      'web:create(not deployed)',
    ]);
  });

  it('keeps everything when nothing changed', () => {
    const actions = planDeploy({ services, actual: deployed(), imageIds: images, volumes: new Set(['data']) });
    expect(isNoop(actions)).toBe(true);
  });

  it('recreates only the changed service, and dependents that declared restart', () => {
    const changed = [db, { ...api, environment: { DEBUG: '1' } }, web];
    const actions = planDeploy({ services: changed, actual: deployed(), imageIds: images, volumes: new Set(['data']) });
    expect(summary(actions)).toEqual([
      'db:keep',
      'api:recreate(config changed)',
      'web:recreate(dependency api recreated)',
    ]);
  });

  it('says when the image changed, or will be rebuilt', () => {
    const imageIds = new Map(images).set('db', 'img-db-2');
    expect(summary(planDeploy({ services: [db], actual: dbOnly(), imageIds, volumes: new Set(['data']) }))).toEqual([
      'db:recreate(image changed)',
    ]);
    expect(
      summary(
        planDeploy({
          services: [db],
          actual: dbOnly(),
          imageIds: images,
          rebuilds: new Set(['db']),
          volumes: new Set(['data']),
        }),
      ),
    ).toEqual(['db:recreate(image rebuilt (build context changed))']);
  });

  it('recreates a service whose volume went missing', () => {
    expect(summary(planDeploy({ services: [db], actual: dbOnly(), imageIds: images, volumes: new Set() }))).toEqual([
      'db:recreate(volume data missing)',
    ]);
  });

  it('starts a stopped container instead of recreating it', () => {
    const actual = deployed().map((i) => (i.service === 'api' ? { ...i, running: false, status: 'exited' } : i));
    expect(summary(planDeploy({ services, actual, imageIds: images, volumes: new Set(['data']) }))[1]).toBe(
      'api:start(exited)',
    );
  });

  it('recreates a container that was created but never started, rather than starting it unprepared', () => {
    const actual = deployed().map((i) => (i.service === 'api' ? { ...i, running: false, status: 'created' } : i));
    expect(summary(planDeploy({ services, actual, imageIds: images, volumes: new Set(['data']) })).slice(1)).toEqual([
      'api:recreate(never started (an earlier deploy stopped while preparing it))',
      'web:recreate(dependency api recreated)',
    ]);
  });

  it('keeps a finished one-shot service', () => {
    const job = service('job', { restart: 'no' });
    const actual = [
      instance('job', {
        configHash: configHash(job),
        imageId: 'img-job',
        running: false,
        exitCode: 0,
        status: 'exited',
      }),
    ];
    expect(
      summary(planDeploy({ services: [job], actual, imageIds: new Map([['job', 'img-job']]), volumes: new Set() })),
    ).toEqual(['job:keep']);
  });

  it('replaces duplicate containers left by an interrupted run', () => {
    const actual = [...dbOnly(), instance('db', { id: 'dup', configHash: configHash(db), volumes: ['data'] })];
    expect(summary(planDeploy({ services: [db], actual, imageIds: images, volumes: new Set(['data']) }))).toEqual([
      'db:recreate(2 containers for one service)',
    ]);
  });

  it('removes orphans no longer in the profile', () => {
    const actual = [...deployed(), instance('old')];
    expect(summary(planDeploy({ services, actual, imageIds: images, volumes: new Set(['data']) })).at(-1)).toBe(
      'old:remove(no longer in the profile)',
    );
  });

  it('ignores fields that do not shape the container in the hash', () => {
    expect(
      configHash({ ...api, file: '/elsewhere.yaml', dev: { sources: [], rules: [], restartDependents: true } }),
    ).toBe(configHash(api));
    expect(configHash({ ...api, stopTimeoutMs: 1 })).not.toBe(configHash(api));
  });
});
