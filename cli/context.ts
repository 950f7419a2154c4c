import { BerthError, CancelledError, ProfileErrors } from '../lib/errors.js';
import { EventBus } from '../lib/events/bus.js';
import type { EventInput } from '../lib/events/types.js';
import type { Parameters } from '../lib/profile/interpolate.js';
import { loadProfile } from '../lib/profile/load.js';
import type { ResolvedProfile } from '../lib/profile/model.js';
import { DockerRuntime } from '../lib/runtime/docker/docker-runtime.js';
import { HostRuntime } from '../lib/runtime/host/host-runtime.js';
import type { Runtime } from '../lib/runtime/types.js';
import { jsonReporter } from './reporters/json.js';
import { plainReporter } from './reporters/plain.js';

import { interruptSignal } from './lifetime.js';

export { interruptSignal };

let stdoutClosed = false;
// `berth deploy | head` closes the pipe early: the deploy must still finish, only quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  stdoutClosed = true;
});

/** Writes to stdout unless the reader has gone away. */
export function out(text: string): void {
  if (!stdoutClosed) process.stdout.write(text);
}

export interface CommonOptions {
  profile: string;
  env: string[];
  project?: string;
  param: string[];
  json?: boolean;
  plain?: boolean;
  verbose?: boolean;
  runtime?: 'docker' | 'host';
}

export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseParams(pairs: string[]): Parameters {
  const out: Parameters = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BerthError(`--param ${pair}: expected NAME=VALUE`);
    const raw = pair.slice(eq + 1);
    out[pair.slice(0, eq)] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
  }
  return out;
}

/** The profile the options name; commands that deploy pass { deploying: true }, which writes missing secrets. */
export function load(opts: CommonOptions, { deploying = false } = {}): ResolvedProfile {
  return loadProfile({
    profile: opts.profile,
    envFiles: opts.env,
    project: opts.project,
    parameters: parseParams(opts.param),
    runtime: opts.runtime,
    secrets: deploying ? 'generate' : 'read',
  });
}

/** The Ink screen only on an interactive terminal; CI, NO_COLOR, --plain and --json get lines. */
export function wantsTui(
  opts: Pick<CommonOptions, 'json' | 'plain'>,
  env: NodeJS.ProcessEnv = process.env,
  tty = Boolean(process.stdout.isTTY && process.stdin.isTTY),
): boolean {
  return tty && !env.CI && !env.NO_COLOR && !opts.plain && !opts.json && env.TERM !== 'dumb';
}

export function makeBus(opts: Pick<CommonOptions, 'json' | 'verbose'>, { lines = true } = {}): EventBus {
  const bus = new EventBus();
  const write = (line: string) => out(line + '\n');
  if (lines) bus.subscribe(opts.json ? jsonReporter(write) : plainReporter(write, { verbose: opts.verbose }));
  return bus;
}

/**
 * The summary table: what a user opens or points a client at. A service that names its endpoints (an API:
 * identity http://127.0.0.1:5000/v3) is listed by them; the others by their published ports, in the
 * protocol each speaks.
 */
export function endpointsOf(profile: ResolvedProfile): { service: string; name?: string; url: string }[] {
  return profile.services.flatMap((s) =>
    s.endpoints
      ? s.endpoints.map((e) => ({ service: s.name, ...e }))
      : s.ports
          .filter((p) => p.hostPort)
          .map((p) => ({
            service: s.name,
            url: `${schemeOf(s, p.containerPort)}://${p.hostIp === '0.0.0.0' ? '127.0.0.1' : p.hostIp}:${p.hostPort}`,
          })),
  );
}

/** Backing services by the protocol they speak on their conventional port; the rest answer HTTP. */
const SCHEMES: Record<number, string> = { 3306: 'mysql', 5672: 'amqp', 11211: 'memcache', 6379: 'redis' };

function schemeOf(service: ResolvedProfile['services'][number], containerPort: number): string {
  const probe = service.healthcheck?.probe;
  if (probe?.kind === 'http' && probe.port === containerPort) return 'http';
  return SCHEMES[containerPort] ?? 'http';
}

/**
 * The command's runtime. Engine reads always end with Ctrl-C; writes too where the next run converges
 * from a write cut short (deploy, update), so one Ctrl-C ends them even when the engine is stuck.
 */
export function makeRuntime(opts: Pick<CommonOptions, 'runtime'> = {}, { cancelWrites = false } = {}): Runtime {
  return opts.runtime === 'host' ? new HostRuntime() : makeDockerRuntime({ cancelWrites });
}

/** For commands that work across both runtimes (upgrade, ci): the Docker side, cancelled the same way. */
export function makeDockerRuntime({ cancelWrites = false } = {}): DockerRuntime {
  return new DockerRuntime({ requests: { cancel: interruptSignal(), cancelWrites } });
}

/** One --json line: an event of the same union every command reports in, stamped as the bus stamps them. */
export function outJson(event: EventInput): void {
  out(JSON.stringify({ ...event, at: Date.now() }) + '\n');
}

export function reportError(err: unknown, json = false): number {
  const e = err as Error;
  if (json) outJson({ type: 'error', message: e.message, hint: (e as BerthError).hint });
  if (e instanceof ProfileErrors) {
    process.stderr.write(`berth: invalid profile:\n${e.message.replace(/^/gm, '  ')}\n${e.hint}\n`);
    return 2;
  }
  if (e instanceof BerthError) {
    process.stderr.write(`berth: ${e.message}\n${e.hint ? `  next: ${e.hint}\n` : ''}`);
    return e instanceof CancelledError ? 130 : 1;
  }
  process.stderr.write(`berth: unexpected error (a bug; please report it): ${e?.stack ?? e}\n`);
  return 70;
}
