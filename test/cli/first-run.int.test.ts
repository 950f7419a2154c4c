import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINGER_MARKER } from '../../cli/lifetime.js';
import { containers, docker, freePort, purge, repoRoot, stateDir, uniqueProject } from '../helpers/engine.js';

/**
 * A newcomer's first run, typed into a real terminal (tmux): `make deploy PROFILE=demo` with the Ink
 * screen, then one interrupted with Ctrl-C mid-deploy, then one that converges.
 */
describe('make deploy in a real terminal', () => {
  const project = uniqueProject('first-run');
  const session = project;
  const state = stateDir();
  let berthArgs = '';
  // Output scrolls: read the whole history, lines tmux wrapped joined again.
  const pane = async () => (await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-5000', '-t', session])).stdout;
  /**
   * Types a command at the shell and waits for its exit status, which the prompt prints. Not `cmd; echo $?`:
   * an interactive shell drops the rest of the line when its job dies of SIGINT, as make does on Ctrl-C.
   */
  async function run(
    command: string,
    onPane?: (text: string) => Promise<boolean>,
  ): Promise<{ exitCode: number; text: string }> {
    const marker = `run${Math.random().toString(36).slice(2, 8)}`;
    await execa('tmux', ['send-keys', '-t', session, `M=${marker}; clear; tmux clear-history; ${command}`, 'Enter']);
    const deadline = Date.now() + 600_000;
    let acted = false;
    for (;;) {
      const text = await pane();
      const done = new RegExp(`^done:${marker}:(\\d+)$`, 'm').exec(text);
      if (done) return { exitCode: Number(done[1]), text };
      if (onPane && !acted) acted = await onPane(text);
      if (Date.now() > deadline) throw new Error(`${command} did not finish:\n${text}`);
      await sleep(250);
    }
  }
  const make = (extra = '') =>
    `env -u CI BERTH_STATE_DIR=${state} make -s deploy PROFILE=demo BERTH_ARGS="${berthArgs}${extra}"`;

  beforeAll(async () => {
    await purge(project);
    berthArgs = `--project ${project} --param demo_api_port=${await freePort()} --param demo_proxy_port=${await freePort()} --param demo_cache_port=${await freePort()}`;
    await execa('tmux', [
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '180',
      '-y',
      '50',
      '-c',
      repoRoot,
      'bash --norc --noprofile',
    ]);
    await execa('tmux', ['send-keys', '-t', session, `PROMPT_COMMAND='s=$?; echo "done:$M:$s"'`, 'Enter']);
  });
  afterAll(async () => {
    await execa('tmux', ['kill-session', '-t', session], { reject: false });
    await purge(project);
  });

  it('reaches the summary, runs verify, and exits 0', async () => {
    const { exitCode, text } = await run(make());
    expect(exitCode, text).toBe(0);
    expect(text).toMatch(/✔ 3 services healthy in/);
    expect(text).toMatch(/5 passed, 0 failed/);
    expect(text).not.toContain(LINGER_MARKER);
  });

  it('Ctrl-C mid-deploy: exit 130, the engine and the running containers stay, and the next run converges', async () => {
    const slow = join(repoRoot, 'test', 'fixtures', 'first-run', 'never-healthy-api.yaml');
    const interrupted = await run(make(` -e ${slow}`), async (text) => {
      if (!/demo-api\s+waiting for health/.test(text)) return false;
      await execa('tmux', ['send-keys', '-t', session, 'C-c']);
      return true;
    });
    expect(interrupted.exitCode, interrupted.text).toBe(130);
    expect(interrupted.text).toMatch(/cancelled after/);
    expect(interrupted.text).toContain('rerun the same command to converge');
    expect(interrupted.text).not.toMatch(/\d+ passed, \d+ failed/);
    expect(String(await docker.ping())).toBe('OK');
    const afterCancel = await containers(project);
    expect(afterCancel.map((c) => [c.Config.Labels['org.berth.service'], c.State.Running]).sort()).toEqual([
      ['demo-api', true],
      ['demo-cache', true],
      ['demo-proxy', true],
    ]);

    const again = await run(make());
    expect(again.exitCode, again.text).toBe(0);
    expect(again.text).toMatch(/5 passed, 0 failed/);
    const converged = await containers(project);
    expect(converged.map((c) => c.Config.Labels['org.berth.service']).sort()).toEqual([
      'demo-api',
      'demo-cache',
      'demo-proxy',
    ]);
    expect(converged.every((c) => c.State.Running)).toBe(true);
  });
});
