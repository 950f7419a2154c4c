import { afterAll, describe, expect, it } from 'vitest';
import type { BerthEvent } from '../../lib/events/types.js';
import {
  berth,
  containers,
  demoArgs,
  docker,
  fixtureProfile,
  purge,
  stateDir,
  uniqueProject,
  volumes,
} from '../helpers/engine.js';
import { engineProxy } from '../helpers/engine-proxy.js';

const events = (output: string): BerthEvent[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as BerthEvent);
const tasks = (output: string, status: string) =>
  events(output)
    .filter(
      (e): e is Extract<BerthEvent, { type: 'bootstrap.task' }> => e.type === 'bootstrap.task' && e.status === status,
    )
    .map((e) => `${e.service}/${e.task}`);

describe('bootstrap markers follow the data, not directory timestamps', () => {
  const project = uniqueProject('generation');
  const state = stateDir();
  afterAll(() => purge(project));

  it('a kept volume written at its root reruns no task; a recreated one reruns them all', async () => {
    await purge(project);
    const args = await demoArgs(project);
    const first = await berth(['deploy', '--json', ...args], { state });
    expect(first.exitCode, first.all).toBe(0);
    expect(tasks(first.all, 'done')).toEqual(['demo-api/seed-greeting']);

    // A write at the volume's root moves its directory's ctime, which the engine reports as CreatedAt.
    const cache = (await containers(project)).find((c) => c.Config.Labels['org.berth.service'] === 'demo-cache')!;
    const exec = await docker
      .getContainer(cache.Id)
      .exec({ Cmd: ['sh', '-c', 'echo x > /var/lib/redis/written-at-root && rm /var/lib/redis/written-at-root'] });
    await exec.start({});
    expect((await berth(['down', ...args], { state })).exitCode).toBe(0);

    const kept = await berth(['deploy', '--json', ...args], { state });
    expect(kept.exitCode, kept.all).toBe(0);
    expect(tasks(kept.all, 'done')).toEqual([]);
    expect(tasks(kept.all, 'skipped')).toEqual(['demo-api/seed-greeting']);

    expect((await berth(['down', '--volumes', ...args], { state })).exitCode).toBe(0);
    const fresh = await berth(['deploy', '--json', ...args], { state });
    expect(fresh.exitCode, fresh.all).toBe(0);
    expect(tasks(fresh.all, 'done')).toEqual(['demo-api/seed-greeting']);
  });
});

describe('a container created but never configured', () => {
  const project = uniqueProject('unconfigured');
  const state = stateDir();
  afterAll(() => purge(project));

  it('is recreated by the next deploy, which converges', async () => {
    await purge(project);
    const args = await demoArgs(project);
    // The engine goes away right after it created the first container, before its config is copied in.
    const proxy = await engineProxy({ cutAfter: /^POST \/.*containers\/create/ });
    try {
      const cutShort = await berth(['deploy', ...args], { state, env: { DOCKER_HOST: proxy.dockerHost } });
      expect(cutShort.exitCode, cutShort.all).toBe(1);
      expect(cutShort.all).toContain(`Docker engine not reachable at ${proxy.dockerHost}`);
    } finally {
      await proxy.close();
    }
    const left = await containers(project);
    expect(left.map((c) => [c.Config.Labels['org.berth.service'], c.State.Status])).toEqual([
      ['demo-cache', 'created'],
    ]);

    const again = await berth(['deploy', ...args], { state });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all).toMatch(/demo-cache\s+plan: recreate \(never started/);
    const converged = await containers(project);
    expect(converged.map((c) => c.Config.Labels['org.berth.service']).sort()).toEqual([
      'demo-api',
      'demo-cache',
      'demo-proxy',
    ]);
    expect(converged.every((c) => c.State.Running)).toBe(true);
    expect(await volumes(project)).toEqual([`${project}_cache-data`]);
  });
});

describe('throwaway containers of a killed berth', () => {
  const project = uniqueProject('leftover');
  const state = stateDir();
  const args = ['--profile', fixtureProfile('slow-task'), '--project', project];
  const throwaways = () =>
    docker.listContainers({
      all: true,
      filters: { label: [`org.berth.project=${project}`, 'org.berth.one-off=true'] },
    });
  afterAll(() => purge(project));
  /** Starts a deploy and SIGKILLs it once its bootstrap task runs in a throwaway container. */
  async function killDuringTask(): Promise<void> {
    const child = berth(['deploy', '--json', ...args], { state });
    const deadline = Date.now() + 120_000;
    while ((await throwaways()).filter((c) => c.State === 'running').length === 0) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`the bootstrap task never started:\n${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await child;
  }

  it('are shown by status, removed by the next deploy, which reruns the task, and never block down --volumes', async () => {
    await purge(project);
    await killDuringTask();
    expect((await throwaways()).length).toBe(1);

    const status = await berth(['status', '--json', ...args], { state });
    expect(JSON.parse(status.stdout).leftovers).toMatchObject([{ role: 'task' }]);

    const again = await berth(['deploy', '--json', ...args], { state });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all).toContain('removed 1 throwaway container (task) left by an interrupted run');
    expect(tasks(again.all, 'done')).toEqual(['slow-task/migrate']);
    expect(await throwaways()).toEqual([]);

    const down = await berth(['down', '--volumes', ...args], { state });
    expect(down.exitCode, down.all).toBe(0);
    expect(await volumes(project)).toEqual([]);
  });

  it('down --volumes removes the leftovers of a killed run first, and every volume with them', async () => {
    await purge(project);
    await killDuringTask();
    const down = await berth(['down', '--volumes', ...args], { state });
    expect(down.exitCode, down.all).toBe(0);
    expect(await throwaways()).toEqual([]);
    expect(await volumes(project)).toEqual([]);
  });
});

describe('an engine that goes away', () => {
  const project = uniqueProject('engine-gone');
  const state = stateDir();
  const args = ['--profile', fixtureProfile('instant'), '--project', project];
  afterAll(() => purge(project));

  it('during a health wait is reported as the engine, at once, not as the service failing its probes', async () => {
    await purge(project);
    const proxy = await engineProxy({ cutAfter: /^POST \/.*exec\/[0-9a-f]+\/start/ });
    try {
      const run = await berth(['deploy', ...args], { state, env: { DOCKER_HOST: proxy.dockerHost } });
      expect(run.exitCode, run.all).toBe(1);
      expect(run.all).toContain(`FAILED: Docker engine not reachable at ${proxy.dockerHost}`);
      expect(run.all).toContain('next: Start it with "make engine"');
      expect(run.all).not.toMatch(/health check never passed|probe \d+:/);
    } finally {
      await proxy.close();
    }
  });

  it('down --volumes checks every volume before removing any', async () => {
    await purge(project);
    const slow = ['--profile', fixtureProfile('slow-task'), '--project', project];
    const volumeName = `${project}_task-data`;
    await docker.createVolume({ Name: volumeName, Labels: { 'org.berth.project': project } });
    await docker.createVolume({ Name: `${project}_other`, Labels: { 'org.berth.project': project } });
    const foreign = await docker.createContainer({
      Image: 'debian:bookworm-slim',
      Cmd: ['true'],
      HostConfig: { Mounts: [{ Type: 'volume', Source: volumeName, Target: '/data' }] },
    });
    try {
      const run = await berth(['down', '--volumes', ...slow], { state });
      expect(run.exitCode, run.all).toBe(1);
      expect(run.all).toContain(`not removing any volume of ${project}: ${volumeName} (used by`);
      expect(await volumes(project)).toEqual([`${project}_other`, volumeName].sort());
    } finally {
      await foreign.remove({ force: true });
    }
  });
});

describe('a one-shot service that never exits', () => {
  const project = uniqueProject('one-shot');
  const state = stateDir();
  afterAll(() => purge(project));

  it('fails the deploy at its timeout, naming it, and what waits on it never starts', async () => {
    await purge(project);
    const run = await berth(['deploy', '--profile', fixtureProfile('one-shot-forever'), '--project', project], {
      state,
    });
    expect(run.exitCode, run.all).toBe(1);
    expect(run.all).toContain(
      'service stuck-migration: one-shot still running after 2s; see "berth logs stuck-migration"',
    );
    expect(run.all).toContain('| migrating');
    expect((await containers(project)).map((c) => c.Config.Labels['org.berth.service'])).toEqual(['stuck-migration']);
  });
});

describe('a bootstrap task that hangs', () => {
  const project = uniqueProject('hanging');
  const state = stateDir();
  afterAll(() => purge(project));

  it('is stopped at its timeout, failing the deploy with its name, and leaves no container behind', async () => {
    await purge(project);
    const run = await berth(['deploy', '--profile', fixtureProfile('hanging-task'), '--project', project], { state });
    expect(run.exitCode, run.all).toBe(1);
    expect(run.all).toContain('service hanging-task: bootstrap task "migrate" still running after 2 s; it was stopped');
    expect(await containers(project)).toEqual([]);
  });
});

describe('an image build that never finishes', () => {
  const project = uniqueProject('slow-build');
  const state = stateDir();
  afterAll(() => purge(project));

  it('is stopped at the build deadline, failing the deploy with its last lines, and creates nothing', async () => {
    await purge(project);
    const args = ['deploy', '--profile', fixtureProfile('slow-build'), '--project', project];
    const run = await berth(args, { state, env: { BERTH_BUILD_TIMEOUT: '3' } });
    expect(run.exitCode, run.all).toBe(1);
    expect(run.all).toContain('service slow-build: image build still running after 3 s; it was stopped');
    expect(run.all).toContain('BERTH_BUILD_TIMEOUT=SECONDS allows longer builds');
    expect(await containers(project)).toEqual([]);
  });
});
