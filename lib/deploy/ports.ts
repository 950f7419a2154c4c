import net from 'node:net';
import { BerthError } from '../errors.js';
import type { ResolvedService } from '../profile/model.js';
import type { Instance } from '../runtime/types.js';

/**
 * Every host port a service will publish must be free before anything changes, except ports the
 * project's own containers already hold (a kept or recreated service gives its own port back).
 */
export async function checkHostPorts(services: readonly ResolvedService[], actual: readonly Instance[]): Promise<void> {
  const held = new Set(actual.flatMap((i) => i.ports.map((p) => p.hostPort)));
  const seen = new Map<number, string>();
  const problems: string[] = [];
  for (const service of services) {
    for (const port of service.ports) {
      if (!port.hostPort) continue;
      const other = seen.get(port.hostPort);
      if (other) problems.push(`services ${other} and ${service.name} both publish host port ${port.hostPort}`);
      seen.set(port.hostPort, service.name);
      if (held.has(port.hostPort)) continue;
      if (!(await canListen(port.hostIp, port.hostPort))) {
        problems.push(
          `service ${service.name}: host port ${port.hostIp}:${port.hostPort} (container port ${port.containerPort}) is already in use`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new BerthError(
      problems.join('\n'),
      'Stop what holds the port (see "ss -ltnp"), or choose another with --param NAME=PORT or an environment file; nothing was changed.',
    );
  }
}

/** True when nothing listens on host:port yet. */
export function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
