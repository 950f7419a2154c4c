// Bootstrap task: runs once per config hash in a throwaway container, before the API starts.
import { connect } from './redis.mjs';

const redis = connect({ host: process.env.REDIS_HOST, port: Number(process.env.REDIS_PORT ?? 6379), password: process.env.REDIS_PASSWORD });
await redis.ready;
await redis.command('SET', 'demo:greeting', process.env.GREETING ?? 'hello');
console.log('seeded demo:greeting');
redis.close();
