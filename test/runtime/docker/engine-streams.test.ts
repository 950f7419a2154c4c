import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../lib/errors.js';
import { DockerRuntime } from '../../../lib/runtime/docker/docker-runtime.js';
import { fakeDocker } from '../../helpers/fake-docker.js';

describe('engine streams are bound to the signal of the operation that opened them', () => {
  it('a log follow the engine answers after its reader left is closed at once', async () => {
    const { docker, nextRequest } = fakeDocker();
    const runtime = new DockerRuntime({ docker });
    const reader = new AbortController();
    const lines: string[] = [];
    const following = runtime.followLogs('c1', (l) => lines.push(l), reader.signal, { tail: 100 });
    const request = await nextRequest();
    // The signal reaches the request itself, so a real engine request is cancelled, not only ignored.
    expect(request.options.abortSignal).toBe(reader.signal);
    reader.abort();
    const stream = new PassThrough();
    request.answer(stream);
    await following;
    expect(stream.destroyed).toBe(true);
    expect(lines).toEqual([]);
  });

  it('a log follow answered in time delivers lines and ends when its reader leaves', async () => {
    const { docker, nextRequest } = fakeDocker();
    const runtime = new DockerRuntime({ docker });
    const reader = new AbortController();
    const lines: string[] = [];
    const following = runtime.followLogs('c1', (l) => lines.push(l), reader.signal);
    const stream = new PassThrough();
    (await nextRequest()).answer(stream);
    stream.write('one\ntwo\n');
    await new Promise((r) => setImmediate(r));
    reader.abort();
    await following;
    expect(lines).toEqual(['one', 'two']);
    expect(stream.destroyed).toBe(true);
  });

  it('a follow asked for after its reader left opens no request at all', async () => {
    const { docker, nextRequest } = fakeDocker();
    const runtime = new DockerRuntime({ docker });
    const following = runtime.followLogs('c1', () => undefined, AbortSignal.abort());
    await following;
    const sentinel = Symbol('no request');
    expect(await Promise.race([nextRequest(), new Promise((r) => setImmediate(() => r(sentinel)))])).toBe(sentinel);
  });

  it('an exec whose attach arrives after cancellation is closed and reported as cancelled', async () => {
    const { docker, nextRequest } = fakeDocker();
    const runtime = new DockerRuntime({ docker });
    const cancel = new AbortController();
    const exec = runtime.exec('c1', ['true'], { signal: cancel.signal });
    const request = await nextRequest();
    cancel.abort();
    const stream = new PassThrough();
    request.answer(stream);
    await expect(exec).rejects.toBeInstanceOf(CancelledError);
    expect(stream.destroyed).toBe(true);
  });
});
