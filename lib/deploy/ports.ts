import net from 'node:net';
import { BerthError } from '../errors.js';
import type { ResolvedService } from '../profile/model.js';
import type { Instance } from '../runtime/types.js';

/**
 * Every host port a service will publish must be free before anything changes, except ports the
 * project's own containers already hold (a kept or recreated service gives its own port back).
 */
export async function checkHostPorts(services: readonly ResolvedService[], actual: readonly Instance[]): Promise<void> {
  const seen = new Map<number, string>();
  const problems: string[] = [];
  for (const service of services) {
    for (const port of service.ports) {
      if (!port.hostPort) continue;
      const other = seen.get(port.hostPort);
      if (other) problems.push(`services ${other} and ${service.name} both publish host port ${port.hostPort}`);
      seen.set(port.hostPort, service.name);
    }
  }
  for (const { service, port } of await portsInUse(services, actual)) {
    problems.push(
      `service ${service}: host port ${port.hostIp}:${port.hostPort} (container port ${port.containerPort}) is already in use`,
    );
  }
  if (problems.length > 0) {
    throw new BerthError(
      problems.join('\n'),
      'Stop what holds the port (see "ss -ltnp"), or choose another with --param NAME=PORT or an environment file; nothing was changed.',
    );
  }
}

/**
 * The host ports these services publish that something else holds: a port one of `ours` (the project's
 * own instances, or the host processes an upgrade replaces) publishes is theirs to give back, not in use.
 */
export async function portsInUse(
  services: readonly ResolvedService[],
  ours: readonly Instance[],
): Promise<{ service: string; port: ResolvedService['ports'][number] }[]> {
  const held = new Set(ours.flatMap((i) => i.ports.map((p) => p.hostPort)));
  const busy: { service: string; port: ResolvedService['ports'][number] }[] = [];
  for (const service of services) {
    for (const port of service.ports) {
      if (port.hostPort && !held.has(port.hostPort) && !(await canListen(port.hostIp, port.hostPort)))
        busy.push({ service: service.name, port });
    }
  }
  return busy;
}

/** True when nothing listens on host:port yet. */
export function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
