import type Docker from 'dockerode';

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

interface DialOptions {
  method: string;
  path: string;
  options?: Record<string, unknown>;
  abortSignal?: AbortSignal;
  isStream?: boolean;
  hijack?: boolean;
}
type DialCallback = (err: unknown, data: unknown) => void;
interface Dialer {
  dial(options: DialOptions, callback: DialCallback): void;
}

/**
 * Wraps the client's one request function, once per client. With `cancelReads`, every read (GET) that
 * has no signal of its own is cancelled with it: a read left unanswered can always be given up, while a
 * write (create, stop, remove) is left to finish, because the next run converges from what it did.
 */
export function trackEngineRequests(docker: Docker, cancelReads?: AbortSignal): void {
  const modem = docker.modem as unknown as Dialer;
  if (tracked.has(modem)) return;
  tracked.add(modem);
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    if (cancelReads && options.method === 'GET' && !options.abortSignal) options.abortSignal = cancelReads;
    const id = nextId++;
    open.set(id, describe(options));
    dial(options, (err, data) => {
      const stream = data as { once?: (event: string, fn: () => void) => void; destroyed?: boolean } | undefined;
      // A streamed answer stays open until the stream closes; any other request is over once answered.
      if (!err && (options.isStream || options.hijack) && typeof stream?.once === 'function' && !stream.destroyed) {
        stream.once('close', () => open.delete(id));
      } else open.delete(id);
      callback(err, data);
    });
  };
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
