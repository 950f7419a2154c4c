/** An error the user can fix: says what failed, where, and the next step to take. */
export class BerthError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BerthError';
  }
}

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** A problem in a profile, service or environment file, pinned to file:line:column and a key path. */
export class ProfileError extends BerthError {
  constructor(
    readonly location: SourceLocation,
    readonly keyPath: string,
    problem: string,
    hint?: string,
  ) {
    super(`${location.file}:${location.line}:${location.column}: ${keyPath ? `${keyPath}: ` : ''}${problem}`, hint);
    this.name = 'ProfileError';
  }
}

/** Several profile problems found in one pass, so the user fixes them all at once. */
export class ProfileErrors extends BerthError {
  constructor(readonly errors: ProfileError[]) {
    super(
      errors.map((e) => e.message + (e.hint ? `\n    ${e.hint}` : '')).join('\n'),
      'Fix the files named above; nothing was deployed.',
    );
    this.name = 'ProfileErrors';
  }
}

/** A service failed during deploy: carries the probe output and the last log lines. */
export class ServiceFailedError extends BerthError {
  constructor(
    readonly service: string,
    problem: string,
    readonly logs: string[],
    hint?: string,
  ) {
    super(`service ${service}: ${problem}`, hint);
    this.name = 'ServiceFailedError';
  }
}

/** The engine is gone (socket missing, refused, reset): the one answer whatever berth was doing. */
export class EngineUnreachableError extends BerthError {
  constructor(where: string, detail: string, options?: { cause?: unknown }) {
    super(
      `Docker engine not reachable at ${where} (${detail})`,
      'Start it with "make engine" (installs and starts dockerd on Debian as root), or point DOCKER_HOST at a running engine; then run the same command again.',
      options,
    );
    this.name = 'EngineUnreachableError';
  }
}

/** An engine call that got no answer within its deadline. */
export class EngineTimeoutError extends BerthError {
  constructor(
    readonly call: string,
    ms: number,
  ) {
    const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    super(
      `the Docker engine at ${where} did not answer ${call} within ${ms / 1000} s`,
      'The engine is stuck or overloaded: see "docker info" and its log, restart it if it stays so, then run the same command again (BERTH_ENGINE_TIMEOUT=SECONDS allows longer calls).',
    );
    this.name = 'EngineTimeoutError';
  }
}

export class CancelledError extends BerthError {
  constructor(
    message = 'cancelled',
    hint = 'Containers that were running were left as they are; rerun the same command to converge.',
  ) {
    super(message, hint);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
