import { setTimeout as sleep } from 'node:timers/promises';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  byService,
  cliPath,
  failIfLingering,
  freePort,
  purge,
  repoRoot,
  stateDir,
  uniqueProject,
} from '../../helpers/engine.js';

/** Runs a command in a pty (script(1)) and returns what the terminal got. */
async function inPty(command: string, env: Record<string, string | undefined>) {
  const run = await failIfLingering(
    execa('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm-256color', ...env },
      reject: false,
      extendEnv: false,
    }),
    command,
  );
  return { exitCode: run.exitCode, stdout: stripVTControlCharacters(run.stdout) };
}

describe('the terminal UI on a real terminal', () => {
  const project = uniqueProject('tui');
  const state = stateDir();
  let ports: string[] = [];
  beforeAll(async () => {
    await purge(project);
    ports = [
      '--param',
      `demo_api_port=${await freePort()}`,
      '--param',
      `demo_proxy_port=${await freePort()}`,
      '--param',
      `demo_cache_port=${await freePort()}`,
    ];
  });
  afterAll(async () => {
    await execa('tmux', ['kill-session', '-t', project], { reject: false });
    await purge(project);
  });

  it('chooses Ink on a TTY, and plain lines on the same TTY under CI', async () => {
    const args = `node ${cliPath} deploy --profile demo --project ${project} ${ports.join(' ')}`;
    const tui = await inPty(args, { BERTH_STATE_DIR: state, CI: undefined });
    expect(tui.exitCode, tui.stdout).toBe(0);
    expect(tui.stdout).toContain(`berth · profile demo · project ${project}`);
    expect(tui.stdout).toContain('✔ 3 services healthy in');
    expect(tui.stdout).not.toMatch(/\[\s*\d+\.\ds\] /);

    const plain = await inPty(args, { BERTH_STATE_DIR: state, CI: 'true' });
    expect(plain.exitCode, plain.stdout).toBe(0);
    expect(plain.stdout).toMatch(/\[\s*\d+\.\ds\] done: 3 services converged/);
    expect(plain.stdout).not.toContain('berth · profile');
  });

  it('berth dev in tmux at 80x24: an edit of the API shows as a restart with its latency', async () => {
    const work = mkdtempSync(join(tmpdir(), 'berth-tui-'));
    cpSync(join(repoRoot, 'profiles', 'services', 'demo', 'api', 'src'), join(work, 'src'), { recursive: true });
    const envFile = join(work, 'dev.yaml');
    writeFileSync(
      envFile,
      `services:\n  demo-api:\n    dev:\n      sources: [{ path: ${work}/src, target: /app/src }]\n`,
    );
    const command = `env -u CI BERTH_STATE_DIR=${state} node ${cliPath} dev --profile demo --project ${project} -e ${envFile} ${ports.join(' ')}`;
    await execa('tmux', ['new-session', '-d', '-s', project, '-x', '80', '-y', '24', command]);
    // -J joins lines tmux wrapped, so a line too long for the window shows as too long.
    const pane = async () => (await execa('tmux', ['capture-pane', '-p', '-J', '-t', project])).stdout;
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const text = await pane();
        if (re.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`pane never matched ${re}:\n${text}`);
        await sleep(200);
      }
    };
    await waitFor(/berth dev · .* · watching/);
    writeFileSync(join(work, 'src', 'version.mjs'), "export const VERSION = 'tmux';\n");
    const text = await waitFor(/demo-api\s+restart\s+✔ \d+ms src\/version\.mjs/);
    expect(text).toMatch(/demo-api\s+running\s+healthy\s+restart\s+\d+ms\s+1\s/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    // Resizes live: narrower, and every line still fits.
    await execa('tmux', ['resize-window', '-t', project, '-x', '60', '-y', '20']);
    // Wait for the redrawn frame (however long the machine takes), then every line must fit.
    const redrawDeadline = Date.now() + 30_000;
    let narrow = await pane();
    while (
      !(/demo-api/.test(narrow) && narrow.split('\n').every((line) => line.length <= 60)) &&
      Date.now() < redrawDeadline
    ) {
      await sleep(100);
      narrow = await pane();
    }
    expect(narrow).toMatch(/demo-api/);
    for (const line of narrow.split('\n')) expect(line.length).toBeLessThanOrEqual(60);

    await execa('tmux', ['send-keys', '-t', project, 'q']);
    // The session ends when berth dev exits: after that it can stop nothing, so this proves it stopped nothing.
    const deadline = Date.now() + 60_000;
    while ((await execa('tmux', ['has-session', '-t', project], { reject: false })).exitCode === 0) {
      if (Date.now() > deadline) throw new Error(`berth dev did not exit after "q":\n${await pane()}`);
      await sleep(100);
    }
    expect(Object.values(await byService(project)).every((s) => s.running)).toBe(true);
  });
});
