import { setTimeout as delay } from 'node:timers/promises';
import http from 'node:http';
import net from 'node:net';
import { EngineUnreachableError } from '../errors.js';
import type { HealthCheck, HealthProbe } from '../profile/model.js';
import type { Instance, Runtime } from '../runtime/types.js';

export interface ProbeResult {
  ok: boolean;
  output: string;
}

/** Where a published container port answers on this machine; probes only ever target loopback. */
export function hostPortFor(instance: Pick<Instance, 'ports'>, containerPort: number): number | undefined {
  return instance.ports.find((p) => p.containerPort === containerPort && p.hostPort > 0)?.hostPort;
}

export async function probeOnce(
  runtime: Runtime,
  instance: Instance,
  probe: HealthProbe,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  // Not AbortSignal.timeout(): its timer is unref'd, and a probe hanging on docker-proxy while the
  // container boots would then leave the event loop empty and the process would exit mid-deploy.
  const timer = new AbortController();
  const handle = setTimeout(
    () => timer.abort(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
    timeoutMs,
  );
  const timeout = AbortSignal.any([timer.signal, ...(signal ? [signal] : [])]);
  try {
    switch (probe.kind) {
      case 'http': {
        const port = hostPortFor(instance, probe.port);
        if (!port) return { ok: false, output: `container port ${probe.port} is not published` };
        const url = `http://127.0.0.1:${port}${probe.path}`;
        const res = await httpGet(url, timeout);
        const body = res.body.slice(0, 200).trim();
        return {
          ok: probe.status.includes(res.status),
          output: `GET ${url} -> ${res.status}${body ? ` ${body}` : ''}`,
        };
      }
      case 'tcp': {
        const port = hostPortFor(instance, probe.port);
        if (!port) return { ok: false, output: `container port ${probe.port} is not published` };
        await connectOnce('127.0.0.1', port, timeout);
        return { ok: true, output: `tcp 127.0.0.1:${port} accepted` };
      }
      case 'exec': {
        const result = await runtime.exec(instance.id, probe.command, { signal: timeout });
        return {
          ok: result.exitCode === 0,
          output: `exit ${result.exitCode}${result.output.trim() ? `: ${result.output.trim().slice(-300)}` : ''}`,
        };
      }
    }
  } catch (err) {
    if (signal?.aborted || err instanceof EngineUnreachableError) throw err;
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    // The probe's own timer says whether it timed out, whatever shape the interrupted call's error has.
    const reason = timer.signal.aborted
      ? `timed out after ${timeoutMs} ms`
      : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
    return { ok: false, output: `${describeProbe(probe)}: ${reason}` };
  } finally {
    clearTimeout(handle);
  }
}

export function describeProbe(probe: HealthProbe): string {
  if (probe.kind === 'http') return `GET :${probe.port}${probe.path}`;
  if (probe.kind === 'tcp') return `tcp :${probe.port}`;
  return `exec ${probe.command.join(' ')}`;
}

/** A plain GET on a fresh connection: no pooled sockets to go stale across container restarts. */
export function httpGet(url: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, signal, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(signal.aborted ? signal.reason : err));
  });
}

function connectOnce(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const done = (err?: Error) => {
      socket.destroy();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => done(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done());
    socket.once('error', done);
  });
}

export interface WaitOptions {
  signal?: AbortSignal;
  onProbe?: (result: ProbeResult, attempt: number) => void;
  /** First interval after a (re)start, doubling up to the check's interval: a dev restart is seen fast. */
  initialIntervalMs?: number;
  /**
   * A lower cap than the check's interval (berth dev: a restarted worker is seen within this of being
   * ready, not up to a whole interval late). Failures then count by time, so retries still mean the
   * check's interval × retries.
   */
  maxIntervalMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export type WaitResult =
  { ok: true; attempts: number } | { ok: false; attempts: number; last: ProbeResult; exited?: number };

/**
 * Probe until healthy. Failures inside the start period do not count against retries; a container
 * that exits fails at once instead of waiting out every retry.
 */
export async function waitHealthy(
  runtime: Runtime,
  instance: Instance,
  check: HealthCheck,
  opts: WaitOptions = {},
): Promise<WaitResult> {
  const sleep = opts.sleep ?? abortableSleep;
  const now = opts.now ?? Date.now;
  const started = now();
  let failures = 0;
  let attempts = 0;
  const cap = Math.min(check.intervalMs, opts.maxIntervalMs ?? check.intervalMs);
  let interval = Math.min(opts.initialIntervalMs ?? cap, cap);
  for (;;) {
    attempts++;
    const last: ProbeResult = await probeOnce(runtime, instance, check.probe, check.timeoutMs, opts.signal);
    opts.onProbe?.(last, attempts);
    if (last.ok) return { ok: true, attempts };
    // A container that exited (or is being restarted by its policy after a crash) will not become healthy.
    // An engine that went away is said so at once, not after every retry blamed on the service.
    const state = await runtime.inspectState(instance.id).catch((err) => {
      if (err instanceof EngineUnreachableError) throw err;
      return undefined;
    });
    if (state && (!state.running || state.restarting)) return { ok: false, attempts, last, exited: state.exitCode };
    if (now() - started >= check.startPeriodMs)
      failures += opts.maxIntervalMs === undefined ? 1 : interval / Math.max(1, check.intervalMs);
    if (failures >= check.retries) return { ok: false, attempts, last };
    await sleep(interval, opts.signal);
    interval = Math.min(interval * 2, cap);
  }
}

export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    // Node rejects with its own AbortError; callers tell cancellation by the signal's reason.
    throw signal?.aborted ? signal.reason : err;
  }
}
