import { EngineUnreachableError } from '../../errors.js';

/** The engine's own message when it gave one, else the error's. */
export function errorText(cause: unknown): string {
  const e = cause as { json?: { message?: string }; reason?: string; message?: string };
  return e?.json?.message ?? e?.message ?? String(cause);
}

const CONNECTION_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTCONN',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

/** A failure to talk to the engine at all, as opposed to the engine refusing a request. */
export function isConnectionError(cause: unknown): boolean {
  const e = cause as { code?: string; message?: string; statusCode?: number } | undefined;
  if (!e || e.statusCode !== undefined) return false;
  return CONNECTION_CODES.has(e.code ?? '') || /socket hang up/.test(e.message ?? '');
}

export function engineUnreachable(cause: unknown): EngineUnreachableError {
  if (cause instanceof EngineUnreachableError) return cause;
  const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  return new EngineUnreachableError(where, errorText(cause).split('\n')[0]!, { cause });
}
