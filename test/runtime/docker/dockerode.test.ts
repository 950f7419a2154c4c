import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deferredModule } from '../../../lib/runtime/docker/dockerode.js';
import { repoRoot } from '../../helpers/engine.js';

describe('dockerode without its seldom-used transports', () => {
  it('loads a deferred module only when something of it is used, and then once', () => {
    let loads = 0;
    const real = { Server: class {}, version: '1' };
    const grpc = deferredModule('@grpc/grpc-js', () => (loads++, real)) as typeof real;
    expect(loads).toBe(0);
    expect(grpc.version).toBe('1');
    expect(grpc.Server).toBe(real.Server);
    expect(loads).toBe(1);
  });

  it("keeps ssh2's Client a stand-in until constructed, then constructs the real one", () => {
    let loads = 0;
    class Client {
      constructor(readonly opts: unknown) {}
    }
    const ssh2 = deferredModule('ssh2', () => (loads++, { Client })) as { Client: typeof Client };
    // docker-modem reads the class as it loads: that alone must not load ssh2.
    const Read = ssh2.Client;
    expect(loads).toBe(0);
    const conn = new Read({ host: 'h' });
    expect(conn).toBeInstanceOf(Client);
    expect(conn.opts).toEqual({ host: 'h' });
    expect(loads).toBe(1);
  });

  it('leaves ssh2 and gRPC unloaded in a process that made a client, and loads ssh2 when an ssh:// host is dialled', () => {
    const script = `
      const { DockerClient } = await import('./lib/runtime/docker/dockerode.ts');
      const { createRequire } = await import('node:module');
      const cache = () => Object.keys(createRequire(import.meta.url).cache);
      const loaded = (name) => cache().some((k) => k.includes('/node_modules/' + name + '/'));
      const docker = new DockerClient();
      const before = ['ssh2', '@grpc/grpc-js', 'protobufjs'].filter(loaded);
      const remote = new DockerClient({ protocol: 'ssh', host: '127.0.0.1', port: 1, username: 'nobody' });
      await remote.ping().catch(() => undefined);
      console.log(JSON.stringify({ before, after: loaded('ssh2'), client: typeof docker.listContainers }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ before: [], after: true, client: 'function' });
  });
});
