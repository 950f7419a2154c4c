import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { vethName } from '../../../lib/nodes/ctlplane-join.js';
import { berth, docker, fixtureProfile, purge, repoRoot, stateDir, uniqueProject } from '../../helpers/engine.js';
import { engineProxy } from '../../helpers/engine-proxy.js';
import { alive, processesWith } from '../../helpers/processes.js';

/** The addresses on ctlplane0 in a process's network namespace, or undefined when it has no ctlplane0. */
function ctlplaneAddress(pid: number): string | undefined {
  try {
    const out = execFileSync(
      'nsenter',
      ['-t', String(pid), '-n', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'ctlplane0'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    return /inet (\S+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** Polls until `probe` gives a value; the bound only ends a test that has already failed. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A crash, as the engine sees one: the container's main process dies without anyone asking. Its restart policy
 * starts it again, in a new network namespace, with no berth command running. Gives the restarted container.
 */
async function crash(container: string) {
  const first = await docker.getContainer(container).inspect();
  process.kill(first.State.Pid, 'SIGKILL');
  const restarted = await eventually('the engine restarts the container', async () => {
    const now = await docker.getContainer(container).inspect();
    // While the engine restarts it, a container is Running and Restarting with no process (Pid 0).
    const up = now.State.Running && !now.State.Restarting && now.State.Pid > 0;
    return up && now.State.Pid !== first.State.Pid ? now : undefined;
  });
  expect(restarted.RestartCount).toBeGreaterThan(first.RestartCount);
  return restarted;
}

/** Whether the engine answers a ping; a stopped one refuses the socket. */
async function engineAnswers(): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** Starts the engine the way `make test` does (scripts/engine.sh: a no-op when one answers). */
function startEngine(): void {
  execFileSync('bash', [join(repoRoot, 'scripts', 'engine.sh')], { stdio: 'ignore' });
}

describe('the ctlplane keeper', () => {
  const state = stateDir();
  const project = uniqueProject('keeper');
  const args = ['--profile', fixtureProfile('ctlplane-member'), '--project', project];
  const container = `${project}-ctlplane-member`;
  afterAll(async () => {
    await berth(['down', ...args, '--volumes'], { state });
    await purge(project);
  });

  it('puts a container the engine restarted after a crash back on the ctlplane, and down stops the keeper', async () => {
    const up = await berth(['deploy', ...args], { state });
    expect(up.exitCode, up.all).toBe(0);
    const first = await docker.getContainer(container).inspect();
    expect(ctlplaneAddress(first.State.Pid)).toBe('192.168.24.5/24');
    const keeperPidFile = join(state, 'projects', project, 'ctlplane', 'keeper.pid');
    const keeper = Number(readFileSync(keeperPidFile, 'utf8'));
    expect(processesWith(`--pid-file=${keeperPidFile}`)).toEqual([keeper]);
    // It lives in the project's namespace, so removing the ctlplane ends it with the rest.
    const inNamespace = execFileSync('ip', ['netns', 'pids', `berth-${project}`], { encoding: 'utf8' });
    expect(inNamespace.split('\n')).toContain(String(keeper));

    // A crash, as the engine sees one: the main process dies without berth asking. Its restart policy starts it
    // again, in a new network namespace, with no berth command running.
    const restarted = await crash(container);
    const keeperLog = () => readFileSync(join(state, 'projects', project, 'ctlplane', 'keeper.log'), 'utf8');
    const rejoined = await eventually('the keeper joins it again', () => ctlplaneAddress(restarted.State.Pid)).catch(
      (e: Error) => `${e.message}; keeper's log:\n${keeperLog()}`,
    );
    expect(rejoined).toBe('192.168.24.5/24');
    // The new pair's bridge end is on the bridge: the old one went with the old namespace.
    const onBridge = execFileSync('ip', ['-n', `berth-${project}`, '-o', 'link', 'show', 'master', 'br-ctlplane'], {
      encoding: 'utf8',
    });
    expect(onBridge.match(new RegExp(`${vethName('ctlplane-member', 'bridge')}@`, 'g'))).toHaveLength(1);
    const line0 = `${restarted.Id.slice(0, 12)}: on the ctlplane (started): ctlplane-member, pid ${restarted.State.Pid}`;
    await eventually('the keeper logs the join', () => (keeperLog().includes(line0) ? true : undefined));

    const down = await berth(['down', ...args], { state });
    expect(down.exitCode, down.all).toBe(0);
    expect(processesWith(`--pid-file=${keeperPidFile}`)).toEqual([]);
    expect(existsSync(`/run/netns/berth-${project}`)).toBe(false);
  }, 300_000);

  it('catches a restart it could not see, once the engine answers it again', async () => {
    const proxy = await engineProxy();
    const env = { DOCKER_HOST: proxy.dockerHost };
    try {
      const up = await berth(['deploy', ...args], { state, env });
      expect(up.exitCode, up.all).toBe(0);
      const keeperLog = () => readFileSync(join(state, 'projects', project, 'ctlplane', 'keeper.log'), 'utf8');
      // The keeper talks to the engine through the proxy it inherited: cut, it sees no event of what follows.
      proxy.disconnect();
      const restarted = await crash(container);
      expect(ctlplaneAddress(restarted.State.Pid)).toBeUndefined();
      proxy.reconnect();
      const rejoined = await eventually('the keeper joins it on reconnecting', () =>
        ctlplaneAddress(restarted.State.Pid),
      ).catch((e: Error) => `${e.message}; keeper's log:\n${keeperLog()}`);
      expect(rejoined).toBe('192.168.24.5/24');
      const line1 =
        `${restarted.Id.slice(0, 12)}: on the ctlplane (running when the keeper connected): ctlplane-member, ` +
        `pid ${restarted.State.Pid}`;
      await eventually('the keeper logs the join', () => (keeperLog().includes(line1) ? true : undefined));
    } finally {
      await berth(['down', ...args], { state });
      await proxy.close();
    }
  }, 300_000);

  it('puts its members back after the engine itself restarts', async () => {
    const up = await berth(['deploy', ...args], { state });
    expect(up.exitCode, up.all).toBe(0);
    const before = await docker.getContainer(container).inspect();
    expect(ctlplaneAddress(before.State.Pid)).toBe('192.168.24.5/24');
    const keeperLog = () => readFileSync(join(state, 'projects', project, 'ctlplane', 'keeper.log'), 'utf8');
    try {
      // dockerd stops every container as it goes, and starts those with a restart policy when it comes back: each
      // in a new network namespace. The keeper loses its connection meanwhile and finds the members on its return.
      const dockerd = execFileSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' }).trim().split('\n').map(Number);
      for (const pid of dockerd) process.kill(pid, 'SIGTERM');
      await eventually('the engine to stop', async () => ((await engineAnswers()) ? undefined : true), 120_000);
      await eventually('dockerd to exit', () => (dockerd.some((p) => alive(p)) ? undefined : true), 120_000);
      startEngine();
      const restarted = await eventually('the engine to start the member again', async () => {
        const now = await docker
          .getContainer(container)
          .inspect()
          .catch(() => undefined);
        const up = now?.State.Running && !now.State.Restarting && now.State.Pid > 0;
        return up && now.State.Pid !== before.State.Pid ? now : undefined;
      });
      const rejoined = await eventually('the keeper joins it after the engine restart', () =>
        ctlplaneAddress(restarted.State.Pid),
      ).catch((e: Error) => `${e.message}; keeper's log:\n${keeperLog()}`);
      expect(rejoined).toBe('192.168.24.5/24');
      // The keeper writes its line once the join is done, so the address can be there a moment before the line.
      const joinedLine = new RegExp(`${restarted.Id.slice(0, 12)}: on the ctlplane .*pid ${restarted.State.Pid}`);
      await eventually("the keeper's line for the join", () => (joinedLine.test(keeperLog()) ? true : undefined));
    } finally {
      // Whatever happened above, the files after this one need an engine.
      if (!(await engineAnswers())) startEngine();
      await berth(['down', ...args], { state });
    }
  }, 300_000);
});
