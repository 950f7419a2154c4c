import { join } from 'node:path';
import { execa } from 'execa';
import { freePort } from './engine.js';

/**
 * The real openstack client in the client image on the host network, with the clouds.yaml berth wrote for
 * the project: what a user on the host runs. `mounts` are host file → container path, read-only.
 */
export async function openstackClient(
  state: string,
  project: string,
  command: string[],
  mounts: Record<string, string> = {},
): Promise<string> {
  const volumes = Object.entries({
    [join(state, 'projects', project, 'clouds.yaml')]: '/etc/openstack/clouds.yaml',
    ...mounts,
  }).flatMap(([from, to]) => ['-v', `${from}:${to}:ro`]);
  const run = await execa('docker', [
    'run',
    '--rm',
    '--network',
    'host',
    ...volumes,
    'berth/openstack-base:zed',
    ...command,
  ]);
  return run.stdout.trim();
}

/** The undercloud's parameters for its ports, each on a port nobody else holds; `port` says which is which. */
export async function undercloudPorts(): Promise<{ args: string[]; port: Record<string, number> }> {
  const port: Record<string, number> = {};
  const args: string[] = [];
  for (const name of [
    ...['keystone', 'glance', 'placement', 'heat', 'neutron', 'ironic', 'nova', 'inspector'].flatMap((a) => [
      `${a}_public_port`,
      `${a}_direct_port`,
    ]),
    'haproxy_monitor_port',
    'mariadb_port',
    'rabbitmq_port',
    'memcached_port',
  ]) {
    port[name] = await freePort();
    args.push('--param', `${name}=${port[name]}`);
  }
  return { args, port };
}
