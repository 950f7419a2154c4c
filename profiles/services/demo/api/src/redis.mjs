// A minimal RESP client: the demo image stays free of npm dependencies, so it builds with no registry.
import net from 'node:net';

/**
 * A connection that comes back: when redis restarts (a crash, a restart, an upgrade moving it), the next
 * command opens a new socket and authenticates again, instead of the API hanging on a dead one.
 */
export function connect({ host, port = 6379, password }) {
  let current;
  const open = () => {
    const socket = net.createConnection({ host, port });
    socket.setNoDelay(true);
    const pending = [];
    let buffer = Buffer.alloc(0);
    const conn = { socket, pending, alive: true };
    const fail = (err) => {
      conn.alive = false;
      while (pending.length) pending.shift().reject(err);
    };
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parse(buffer, 0);
        if (!parsed) break;
        buffer = buffer.subarray(parsed.end);
        const waiter = pending.shift();
        if (waiter) parsed.error ? waiter.reject(new Error(parsed.value)) : waiter.resolve(parsed.value);
      }
    });
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('redis connection closed')));
    conn.ready = new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }).then(() => (password ? send(conn, ['AUTH', password]) : undefined));
    return conn;
  };
  const send = (conn, args) =>
    new Promise((resolve, reject) => {
      conn.pending.push({ resolve, reject });
      conn.socket.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''));
    });
  const connection = () => {
    if (!current?.alive) current = open();
    return current;
  };
  const command = async (...args) => {
    const conn = connection();
    await conn.ready;
    return send(conn, args);
  };
  return { command, ready: connection().ready, close: () => current?.socket.end() };
}

function parse(buf, start) {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buf[start]);
  const line = buf.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  if (kind === '+') return { value: line, end: next };
  if (kind === '-') return { value: line, end: next, error: true };
  if (kind === ':') return { value: Number(line), end: next };
  if (kind === '$') {
    const len = Number(line);
    if (len < 0) return { value: null, end: next };
    if (buf.length < next + len + 2) return undefined;
    return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
  }
  throw new Error(`unsupported RESP type ${kind}`);
}
