import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A unix socket in front of the real engine that can hold back answers, to make engine timing races
 * certain rather than likely. Requests are picked by their request line. `hold`: the engine's answer
 * waits until release(). `stall`: the request never reaches the engine and is never answered, as with
 * an engine that stopped answering; the connection carries nothing more. `cutAfter`: once the engine has
 * answered such a request, the engine is gone: every connection is cut and new ones are refused.
 */
export async function engineProxy(opts: { hold?: RegExp; stall?: RegExp; cutAfter?: RegExp; engine?: string } = {}) {
  const engine = opts.engine ?? '/var/run/docker.sock';
  const path = join(mkdtempSync(join(tmpdir(), 'berth-proxy-')), 'engine.sock');
  const requests: string[] = [];
  const waiting: (() => void)[] = [];
  let released = false;
  const sockets = new Set<net.Socket>();
  let cut = false;
  const cutAll = () => {
    cut = true;
    for (const s of sockets) s.destroy();
  };
  const server = net.createServer((client) => {
    if (cut) return void client.destroy();
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const upstream = net.connect(engine);
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    // HTTP/1.1 without pipelining: once a held request is sent, everything after on this connection is its answer.
    let holding = false;
    let stalled = false;
    let cutting = false;
    const queue: Buffer[] = [];
    client.on('data', (chunk: Buffer) => {
      const lines = requestLines(chunk);
      requests.push(...lines);
      if (opts.stall && lines.some((l) => opts.stall!.test(l))) stalled = true;
      if (stalled) return;
      if (opts.cutAfter && lines.some((l) => opts.cutAfter!.test(l))) cutting = true;
      if (!released && opts.hold && lines.some((l) => opts.hold!.test(l))) holding = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holding && !released) queue.push(chunk);
      else if (cutting) client.write(chunk, cutAll);
      else client.write(chunk);
    });
    waiting.push(() => {
      for (const chunk of queue.splice(0)) if (!client.destroyed) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    dockerHost: `unix://${path}`,
    requests,
    /** The engine goes away: every connection is cut and new ones are refused, until reconnect(). */
    disconnect: cutAll,
    reconnect() {
      cut = false;
    },
    /** Lets every held answer through, in order, and stops holding. */
    release() {
      released = true;
      for (const flush of waiting.splice(0)) flush();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function requestLines(chunk: Buffer): string[] {
  return chunk
    .toString('latin1')
    .split('\r\n')
    .filter((l) => /^(GET|POST|PUT|DELETE|HEAD) \//.test(l));
}
