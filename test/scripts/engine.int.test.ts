import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../lib/runtime/types.js';
import { docker, purge, repoRoot, uniqueProject } from '../helpers/engine.js';

async function dockerdPid(): Promise<number | undefined> {
  const run = await execa('pgrep', ['-x', 'dockerd'], { reject: false });
  return run.exitCode === 0 ? Number(run.stdout.split('\n')[0]) : undefined;
}

/** Process group and session of a process, from /proc/PID/stat (fields 5 and 6, after the command). */
function groupAndSession(pid: number): { pgrp: number; session: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(fields[2]), session: Number(fields[3]) };
}

async function until(what: string, test: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}

describe('the engine that scripts/engine.sh starts belongs to the machine, not to the terminal', () => {
  const project = uniqueProject('engine');
  afterAll(() => purge(project));

  it('keeps answering, with its containers running, after SIGINT and SIGHUP reach the group that started it', async () => {
    expect(process.env.DOCKER_HOST, 'this test restarts the local engine').toBeUndefined();
    // Stop the engine, so the script has to start one, as on a newcomer's first run.
    const old = await dockerdPid();
    if (old) {
      process.kill(old, 'SIGTERM');
      await until('the old dockerd has exited', async () => (await dockerdPid()) === undefined);
    }

    // As make runs it from a terminal: a process group of its own (the terminal's foreground group),
    // kept alive after the script by a sentinel, so signals sent to the group have someone to reach.
    const group = spawn('bash', ['-c', 'bash scripts/engine.sh && exec sleep 600'], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    group.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const sentinelEnded = new Promise<NodeJS.Signals | null>((resolve) =>
      group.on('exit', (_code, signal) => resolve(signal)),
    );
    await until(
      'the script reports the engine answers',
      async () => /answers on/.test(stderr) || group.exitCode !== null,
    );
    expect(stderr).toMatch(/answers on/);

    const pid = (await dockerdPid())!;
    expect(pid).toBeGreaterThan(0);
    const { pgrp, session } = groupAndSession(pid);
    expect(pgrp, stderr).not.toBe(group.pid);
    expect(session, stderr).not.toBe(group.pid);

    const container = await docker.createContainer({
      Image: 'debian:bookworm-slim',
      Cmd: ['sleep', 'infinity'],
      Labels: { [LABEL.project]: project },
    });
    await container.start();

    process.kill(-group.pid!, 'SIGINT');
    process.kill(-group.pid!, 'SIGHUP');
    // The sentinel in the same group died of the signal: the group really received it.
    expect(await sentinelEnded).toBe('SIGINT');

    expect(await dockerdPid()).toBe(pid);
    expect(String(await docker.ping())).toBe('OK');
    expect((await container.inspect()).State.Running).toBe(true);
  });
});
