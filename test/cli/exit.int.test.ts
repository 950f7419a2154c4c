import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, fixtureProfile, purge, stateDir, uniqueProject } from '../helpers/engine.js';
import { engineProxy } from '../helpers/engine-proxy.js';

/** Waits until the child's combined output matches, or fails with what it printed. */
async function outputMatches(child: ReturnType<typeof berth>, re: RegExp, timeoutMs = 120_000): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never printed ${re}:\n${text}`)), timeoutMs);
    child.all!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (re.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

/** Resolves once the proxy has seen a request line matching re. */
async function requested(proxy: { requests: string[] }, re: RegExp): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!proxy.requests.some((r) => re.test(r))) {
    if (Date.now() > deadline) throw new Error(`no request matched ${re}; seen: ${proxy.requests.join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a command ends when its work is done', () => {
  const project = uniqueProject('exit');
  const state = stateDir();
  const args = ['--profile', fixtureProfile('instant'), '--project', project];
  beforeAll(() => purge(project));
  afterAll(() => purge(project));

  it('a deploy whose services are healthy at their first probe exits by itself', async () => {
    const run = await berth(['deploy', ...args], { state });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/done: 3 services converged/);
  });

  it('exits by itself when the engine answers the log follows only after the deploy is done', async () => {
    await purge(project);
    const proxy = await engineProxy({ hold: /\/logs\?.*follow=true/ });
    try {
      const child = berth(['deploy', ...args], { state, env: { DOCKER_HOST: proxy.dockerHost } });
      await outputMatches(child, /done: 3 services converged/);
      proxy.release();
      const run = await child;
      expect(run.exitCode, run.all).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});

describe('SIGTERM and a second Ctrl-C end berth even when the engine stops answering', () => {
  const project = uniqueProject('stalled');
  const state = stateDir();
  const args = ['--profile', fixtureProfile('instant'), '--project', project];
  afterAll(() => purge(project));

  it('SIGTERM cancels a deploy whose engine stopped answering, and it exits by itself', async () => {
    const proxy = await engineProxy({ stall: /./ });
    try {
      const child = berth(['deploy', ...args], { state, env: { DOCKER_HOST: proxy.dockerHost } });
      await requested(proxy, /^GET \/.*version/);
      child.kill('SIGTERM');
      const run = await child;
      expect(run.exitCode, run.all).toBe(130);
      expect(run.all).toContain('cancelled');
      expect(run.all).not.toMatch(/still winding down/);
    } finally {
      await proxy.close();
    }
  });

  it('one Ctrl-C ends a deploy stuck in an engine write, with the cancelled line', async () => {
    await purge(project);
    const proxy = await engineProxy({ stall: /^POST \/.*containers\/create/ });
    try {
      const child = berth(['deploy', ...args], { state, env: { DOCKER_HOST: proxy.dockerHost } });
      await requested(proxy, /^POST \/.*containers\/create/);
      child.kill('SIGINT');
      const run = await child;
      expect(run.exitCode, run.all).toBe(130);
      expect(run.all).toContain(
        'cancelled: Containers that were running were left as they are; rerun the same command to converge.',
      );
      expect(run.all).not.toMatch(/still winding down|again: exiting now/);
    } finally {
      await proxy.close();
    }
  });

  it('an engine call left unanswered fails at its deadline, naming the engine, the call and the service', async () => {
    await purge(project);
    const proxy = await engineProxy({ stall: /^POST \/.*containers\/create/ });
    try {
      const run = await berth(['deploy', ...args], {
        state,
        env: { DOCKER_HOST: proxy.dockerHost, BERTH_ENGINE_TIMEOUT: '2' },
      });
      expect(run.exitCode, run.all).toBe(1);
      expect(run.all).toContain(
        `FAILED (instant-first): service instant-first: the Docker engine at ${proxy.dockerHost} did not answer POST /containers/create within 2 s`,
      );
    } finally {
      await proxy.close();
    }
  });

  describe('a command whose engine write may not be cut short (down)', () => {
    beforeAll(async () => {
      await purge(project);
      expect((await berth(['deploy', ...args], { state })).exitCode).toBe(0);
    });

    it('SIGTERM ends it within the grace, naming the request still open', async () => {
      const proxy = await engineProxy({ stall: /^POST \/.*\/stop/ });
      try {
        const child = berth(['down', ...args], { state, env: { DOCKER_HOST: proxy.dockerHost } });
        await requested(proxy, /^POST \/.*\/stop/);
        child.kill('SIGTERM');
        const run = await child;
        expect(run.exitCode, run.all).toBe(143);
        expect(run.all).toMatch(/still winding down 5 s after SIGTERM; exiting now/);
        expect(run.all).toMatch(/open engine requests: POST \/containers\/[0-9a-f]+\/stop/);
      } finally {
        await proxy.close();
      }
    });

    it('a second Ctrl-C exits at once', async () => {
      const proxy = await engineProxy({ stall: /^POST \/.*\/stop/ });
      try {
        const child = berth(['down', ...args], { state, env: { DOCKER_HOST: proxy.dockerHost } });
        await requested(proxy, /^POST \/.*\/stop/);
        const cancelling = outputMatches(child, /cancelling…/);
        child.kill('SIGINT');
        await cancelling;
        child.kill('SIGINT');
        const run = await child;
        expect(run.exitCode, run.all).toBe(130);
        expect(run.all).toMatch(/SIGINT again: exiting now/);
        expect(run.all).not.toMatch(/still winding down/);
      } finally {
        await proxy.close();
      }
    });
  });
});
