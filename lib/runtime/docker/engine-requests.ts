import type Docker from 'dockerode';
import { CancelledError, EngineTimeoutError } from '../../errors.js';
import { engineUnreachable, isConnectionError } from './engine-errors.js';

/**
 * Every request berth has open to the engine, named by method and path, so that a command which has
 * finished but cannot exit can say what holds it (a log follow nobody reads, say) instead of hanging.
 */
const open = new Map<number, string>();
let nextId = 0;
const tracked = new WeakSet<object>();

export function openEngineRequests(): string[] {
  return [...open.values()];
}

/** A limit in milliseconds from an environment variable given in seconds, or the default. */
export function limitFromEnv(name: string, fallbackMs: number, env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env[name]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallbackMs;
}

/** How long an ordinary engine API call may take; BERTH_ENGINE_TIMEOUT (seconds) changes it. */
export const engineTimeoutMs = () => limitFromEnv('BERTH_ENGINE_TIMEOUT', 30_000);

export interface RequestPolicy {
  /** The command's cancellation. Reads without a signal of their own always end with it. */
  cancel?: AbortSignal;
  /**
   * Writes (create, start, stop, remove) end with it too. Safe where the next run converges from a
   * write left halfway (deploy: a container never started is recreated); not where a half-done write
   * leaves the user's environment down (dev's restart, which Ctrl-C must leave running).
   */
  cancelWrites?: boolean;
  /** Deadline of an ordinary API call. */
  timeoutMs?: number;
}

interface DialOptions {
  method: string;
  path: string;
  options?: Record<string, unknown>;
  abortSignal?: AbortSignal;
  isStream?: boolean;
  hijack?: boolean;
  file?: unknown;
}
type DialCallback = (err: unknown, data: unknown) => void;
interface Dialer {
  dial(options: DialOptions, callback: DialCallback): void;
}

/**
 * Wraps the client's one request function, once per client: every request is tracked, bound to the
 * command's cancellation as the policy says, and given a deadline fitting its kind.
 */
export function trackEngineRequests(docker: Docker, policy: RequestPolicy = {}): void {
  const modem = docker.modem as unknown as Dialer;
  if (tracked.has(modem)) return;
  tracked.add(modem);
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    const call = describe(options);
    const signals: AbortSignal[] = options.abortSignal ? [options.abortSignal] : [];
    if (policy.cancel && !options.abortSignal && (options.method === 'GET' || policy.cancelWrites))
      signals.push(policy.cancel);
    const deadline = deadlineOf(options, policy.timeoutMs ?? engineTimeoutMs());
    const timer = new AbortController();
    const handle = deadline === undefined ? undefined : setTimeout(() => timer.abort(), deadline);
    if (handle) signals.push(timer.signal);
    if (signals.length) options.abortSignal = signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    const id = nextId++;
    open.set(id, call);
    dial(options, (err, data) => {
      clearTimeout(handle);
      const stream = data as { once?: (event: string, fn: () => void) => void; destroyed?: boolean } | undefined;
      // A streamed answer stays open until the stream closes; any other request is over once answered.
      if (!err && (options.isStream || options.hijack) && typeof stream?.once === 'function' && !stream.destroyed) {
        stream.once('close', () => open.delete(id));
      } else open.delete(id);
      if (err && timer.signal.aborted) return callback(new EngineTimeoutError(call, deadline!), data);
      // Given up because the operation or the command was cancelled: say so in berth's own terms.
      if (err && options.abortSignal?.aborted) return callback(new CancelledError(), data);
      // Whatever was asked, a lost engine is reported as that, never as the operation's own failure.
      callback(err && isConnectionError(err) && !options.abortSignal?.aborted ? engineUnreachable(err) : err, data);
    });
  };
}

/**
 * Streams, uploads and waits are bounded by the operation that asked (a health wait, a task, the data
 * copied), not here; a stop may take its grace period before the engine kills.
 */
function deadlineOf(options: DialOptions, base: number): number | undefined {
  if (options.isStream || options.hijack || options.file !== undefined) return undefined;
  if (/\/wait(\?|$)/.test(options.path)) return undefined;
  if (/\/(stop|restart)(\?|$)/.test(options.path)) return base + Number(options.options?.t ?? 10) * 1000;
  return base;
}

/** Query options of GET requests only: POST bodies (a container's environment) may carry secrets. */
function describe({ method, path, options }: DialOptions): string {
  const base = path.replace(/\?$/, '');
  if (method !== 'GET' || !options) return `${method} ${base}`;
  const query = Object.entries(options)
    .filter(([key, value]) => key !== 'abortSignal' && ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('&');
  return `${method} ${base}${query ? `?${query}` : ''}`;
}
