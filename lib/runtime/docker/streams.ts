import { PassThrough } from 'node:stream';
import { CancelledError } from '../../errors.js';

/** What dockerode's demuxer needs of a modem; every DockerRuntime has one. */
export interface Demuxer {
  demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void;
}

/**
 * The text of a whole multiplexed log buffer (8-byte frame headers, as the engine sends a container without
 * a TTY), split by dockerode's own demuxer, which passes output that is not multiplexed through as it is.
 */
export async function demuxBuffer(modem: Demuxer, buf: Buffer): Promise<string> {
  const chunks: Buffer[] = [];
  const sink = {
    write: (chunk: Buffer) => {
      chunks.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const source = new PassThrough();
  modem.demuxStream(source, sink, sink);
  const ended = new Promise((resolve) => source.once('end', resolve));
  source.end(buf);
  await ended;
  return Buffer.concat(chunks).toString('utf8');
}

export function toLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Calls onLine for every complete line written to the returned stream. */
export function lineSink(onLine: (line: string) => void): PassThrough {
  const sink = new PassThrough();
  let rest = '';
  sink.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split(/\r?\n/);
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  sink.on('end', () => {
    if (rest) onLine(rest);
  });
  return sink;
}

export interface Closable {
  once(event: 'close' | 'end' | 'error', fn: () => void): void;
  destroy(): void;
  destroyed?: boolean;
}

/**
 * An engine request bound to the operation's signal: an abort rejects it as cancelled, and a streamed
 * answer that arrives after the abort is destroyed at once rather than handed to a caller who has gone.
 */
export async function bound<T>(request: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  let value: T;
  try {
    value = await request;
  } catch (err) {
    if (signal?.aborted) throw new CancelledError();
    throw err;
  }
  if (signal?.aborted) {
    (value as Partial<Closable> | undefined)?.destroy?.();
    throw new CancelledError();
  }
  return value;
}

/** Resolves when the stream ends, fails or closes; the signal destroys it. */
export function untilClosed(stream: Closable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const onAbort = () => stream.destroy();
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
    if (stream.destroyed) return done();
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
