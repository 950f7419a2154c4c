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
    super(errors.map((e) => e.message + (e.hint ? `\n    ${e.hint}` : '')).join('\n'), 'Fix the files named above; nothing was deployed.');
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

export class CancelledError extends BerthError {
  constructor() {
    super('cancelled', 'Containers that were running were left as they are; rerun the same command to converge.');
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
