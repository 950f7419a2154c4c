import http from 'node:http';
import { connect } from './redis.mjs';
import { VERSION } from './version.mjs';

const redis = connect({ host: process.env.REDIS_HOST, port: Number(process.env.REDIS_PORT ?? 6379), password: process.env.REDIS_PASSWORD });
await redis.ready;

const server = http.createServer(async (req, res) => {
  try {
    if (req.url === '/healthz') {
      const pong = await redis.command('PING');
      return send(res, pong === 'PONG' ? 200 : 503, { redis: pong });
    }
    if (req.url === '/') {
      const hits = await redis.command('INCR', 'demo:hits');
      const greeting = (await redis.command('GET', 'demo:greeting')) ?? process.env.GREETING;
      return send(res, 200, { greeting, hits, version: VERSION });
    }
    send(res, 404, { error: 'not found' });
  } catch (err) {
    send(res, 500, { error: String(err.message ?? err) });
  }
});

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(body) + '\n');
}

// In a container it must listen on every interface; on the host runtime, on loopback only.
server.listen(Number(process.env.PORT ?? 8080), process.env.LISTEN_HOST ?? '0.0.0.0', () => {
  console.log(`demo-api ${VERSION} listening on ${server.address().port}`);
});
