import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { berth, byService, docker, fixtureProfile, purge, stateDir, uniqueProject } from '../helpers/engine.js';

const profile = fixtureProfile('removal');
const envFile = (name: string) => join(profile, '..', `${name}.yaml`);

describe('a service leaving the composition runs its removal tasks first', () => {
  const state = stateDir();
  const project = uniqueProject('removal');
  afterAll(() => purge(project));

  async function ledger(): Promise<string> {
    const exec = await docker
      .getContainer((await byService(project)).ledger!.id)
      .exec({ Cmd: ['sh', '-c', 'cat /ledger/removals 2>/dev/null || true'], AttachStdout: true });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise((res) => stream.on('data', (c: Buffer) => chunks.push(c)).on('end', res));
    return Buffer.concat(chunks).toString('utf8');
  }

  it('runs the task inside the running container, then removes it', async () => {
    expect((await berth(['deploy', '-p', profile, '--project', project], { state })).exitCode).toBe(0);
    expect(await ledger()).toBe('');
    const drop = await berth(['deploy', '-p', profile, '--project', project, '-e', envFile('drop-registered')], {
      state,
    });
    expect(drop.exitCode).toBe(0);
    expect(drop.all).toMatch(/registered\s+on_remove deregister: done/);
    expect(await ledger()).toContain('registered was deregistered');
    expect(Object.keys(await byService(project)).sort()).toEqual(['ledger', 'stubborn']);
  });

  it('keeps the container and fails, naming the service, task and output, when a task fails', async () => {
    const before = (await byService(project)).stubborn!;
    const drop = await berth(
      ['deploy', '-p', profile, '--project', project, '-e', envFile('drop-registered'), '-e', envFile('drop-stubborn')],
      { state },
    );
    expect(drop.exitCode).toBe(1);
    expect(drop.all).toContain('removal task "refuse" exited with code 3; the container was kept');
    expect(drop.all).toContain('the catalog is unreachable');
    const after = (await byService(project)).stubborn!;
    expect(after).toEqual(before);
    expect(after.running).toBe(true);
  });

  it('berth down removes everything without running removal tasks', async () => {
    const down = await berth(['down', '-p', profile, '--project', project], { state });
    expect(down.exitCode).toBe(0);
    expect(down.all).not.toContain('refuse');
    expect(await byService(project)).toEqual({});
  });
});
