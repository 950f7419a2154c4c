import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

/** A request the test answers when it chooses: the engine's reply held back, as a slow proxy would. */
export interface HeldRequest {
  options: Record<string, unknown>;
  answer(stream: PassThrough): void;
}

/**
 * Just enough of a dockerode client for the streaming calls: every logs request and exec start is held
 * until the test answers it, so the order "caller gave up, then the engine answered" is certain.
 */
export function fakeDocker() {
  const held: HeldRequest[] = [];
  const waiters: ((r: HeldRequest) => void)[] = [];
  const hold = (options: Record<string, unknown>) =>
    new Promise<PassThrough>((resolve) => {
      const request = { options, answer: resolve };
      const waiter = waiters.shift();
      if (waiter) waiter(request);
      else held.push(request);
    });
  const docker = {
    modem: {
      dial: () => undefined,
      demuxStream: (stream: PassThrough, out: PassThrough) => stream.pipe(out),
    },
    getContainer: () => ({
      logs: (options: Record<string, unknown>) => hold(options),
      exec: async () => ({
        start: (options: Record<string, unknown>) => hold(options),
        inspect: async () => ({ ExitCode: 0 }),
      }),
    }),
  } as unknown as Docker;
  /** The next held request, whether it already arrived or is still to come. */
  const nextRequest = () =>
    new Promise<HeldRequest>((resolve) => (held.length ? resolve(held.shift()!) : waiters.push(resolve)));
  return { docker, nextRequest };
}
