import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { execa, type ResultPromise } from 'execa';
import { LINGER_MARKER } from '../../cli/lifetime.js';
import { LABEL } from '../../lib/runtime/types.js';

export const docker = new Docker();
export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');
export const fixtureProfile = (name: string) => join(repoRoot, 'test', 'fixtures', 'profiles', name, 'profile.yaml');

/** A project name no other test or run uses, so tests never collide. */
export function uniqueProject(prefix: string): string {
  return `t-${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

export function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'berth-it-state-'));
}

/** Runs the built CLI as a user would; it fails the test if the command could not exit by itself. */
export function berth(
  args: string[],
  opts: { state: string; env?: Record<string, string> },
): ResultPromise<{ reject: false; all: true }> {
  // Tests that send SIGTERM see berth's own ending; only a berth that ignores it for 30 s is killed.
  const child = execa('node', [cliPath, ...args], {
    reject: false,
    all: true,
    forceKillAfterDelay: 30_000,
    env: { BERTH_STATE_DIR: opts.state, CI: 'true', ...opts.env },
  });
  return failIfLingering(child, `berth ${args[0]}`);
}

/**
 * A berth command that finished its work but stayed alive (an engine stream nobody closed, a timer)
 * reports what held it; awaiting it then fails with that report instead of a result that looks fine.
 */
export function failIfLingering<T extends PromiseLike<{ all?: unknown; stdout?: unknown; stderr?: unknown }>>(
  child: T,
  what: string,
): T {
  const then = child.then.bind(child);
  (child as { then: unknown }).then = ((onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) =>
    then((result) => {
      const text =
        typeof result.all === 'string'
          ? result.all
          : [result.stdout, result.stderr].map((t) => (typeof t === 'string' ? t : '')).join('\n');
      const at = text.indexOf(LINGER_MARKER);
      if (at >= 0)
        throw new Error(
          `${what} finished but did not exit by itself:\n${text.slice(Math.max(0, text.lastIndexOf('berth:', at))).slice(0, 2000)}`,
        );
      return result;
    }).then(onFulfilled, onRejected)) as T['then'];
  return child;
}

/**
 * The demo profile as a project of the test's own, on ports nobody else holds; a test that talks to the
 * proxy passes the port it chose.
 */
export async function demoArgs(project: string, { proxyPort }: { proxyPort?: number } = {}): Promise<string[]> {
  return [
    '--profile',
    'demo',
    '--project',
    project,
    '--param',
    `demo_api_port=${await freePort()}`,
    '--param',
    `demo_proxy_port=${proxyPort ?? (await freePort())}`,
    '--param',
    `demo_cache_port=${await freePort()}`,
  ];
}

// Ports a test publishes come from a band of its own worker, below the kernel's ephemeral range, and are never
// handed out twice: asking the kernel for port 0 eighteen times in a row once gave mariadb and an API the same port,
// and two workers asking at once can be given the same one too.
const PORT_BAND = 400;
const PORT_BASE = 20_000 + ((Number(process.env.VITEST_POOL_ID ?? 1) - 1) % 30) * PORT_BAND;
const handedOut = new Set<number>();
let portCursor = Math.floor(Math.random() * PORT_BAND);

function canBind(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let tried = 0; tried < PORT_BAND; tried++) {
    const port = PORT_BASE + (portCursor++ % PORT_BAND);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port left in ${PORT_BASE}-${PORT_BASE + PORT_BAND - 1}`);
}

export async function containers(project: string) {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`] } });
  return Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
}

export async function byService(project: string) {
  return Object.fromEntries(
    (await containers(project)).map((c) => [
      c.Config.Labels[LABEL.service]!,
      { id: c.Id, startedAt: c.State.StartedAt, running: c.State.Running },
    ]),
  );
}

export async function volumes(project: string): Promise<string[]> {
  return ((await docker.listVolumes({ filters: { label: [`${LABEL.project}=${project}`] } })).Volumes ?? [])
    .map((v) => v.Name)
    .sort();
}

/** Removes everything a test project left, volumes included: tests clean up before and after. */
export async function purge(project: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`] } })) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
  for (const v of await volumes(project))
    await docker
      .getVolume(v)
      .remove()
      .catch(() => undefined);
  await docker
    .getNetwork(`${project}_default`)
    .remove()
    .catch(() => undefined);
}

export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
  return { status: res.status, body: await res.text() };
}
