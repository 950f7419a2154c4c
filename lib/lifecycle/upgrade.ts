import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tarFs from 'tar-fs';
import { deploy } from '../deploy/deploy.js';
import { portsInUse } from '../deploy/ports.js';
import { BerthError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { ResolvedProfile, ResolvedService } from '../profile/model.js';
import { requireCapability } from '../runtime/capabilities.js';
import { awaitHealthy, isOneShot, removeInstances, startInstance } from '../services/operations.js';
import type { HostRuntime } from '../runtime/host/host-runtime.js';
import { purgePackages } from '../runtime/host/packages.js';
import type { Runtime } from '../runtime/types.js';

export interface UpgradeOptions {
  /** Where the services run now: its volumes must be readable as directories. */
  host: Runtime;
  /** Where they go: an image store, and volumes that can be filled from a directory. */
  docker: Runtime;
  /** The profile as it runs on the host now, and as it will run in containers (same project). */
  hostProfile: ResolvedProfile;
  profile: ResolvedProfile;
  bus: EventBus;
  signal?: AbortSignal;
}

export interface UpgradeReport {
  moved: string[];
  /** Per moved service: from its host process stopping to its container healthy. */
  downtimeMs: Record<string, number>;
  /** Already in containers before this run (an earlier, interrupted upgrade). */
  skipped: string[];
  backupDir: string;
}

export class UpgradeFailedError extends BerthError {
  constructor(
    message: string,
    hint: string,
    readonly report: UpgradeReport & { failed: string },
  ) {
    super(message, hint);
    this.name = 'UpgradeFailedError';
  }
}

/**
 * The major upgrade: a host-runtime deployment moves to containers, one service at a time in dependency
 * order. For each: back up its data directories, stop the host process, copy the data into the named
 * volumes the container mounts, start the container (its bootstrap tasks run the schema migrations) and
 * wait for health. A service that fails is put back on the host from its backup and the upgrade stops;
 * services moved before it stay in containers (they are healthy, and where they publish the ports the
 * host processes used, the host services still reach them).
 */
export async function upgradeFromHost(opts: UpgradeOptions): Promise<UpgradeReport> {
  const { host, docker, hostProfile, profile, bus } = opts;
  const project = profile.project;
  const need = 'berth upgrade --from host';
  const source = requireCapability(host, 'volumeExport', need, 'Upgrade from a host-runtime deployment.');
  const images = requireCapability(docker, 'images', need);
  const importer = requireCapability(docker, 'volumeImport', need);
  const say = (text: string, level: 'info' | 'warn' = 'info') => bus.emit({ type: 'message', level, text });

  // Pre-checks: nothing changes until all of them pass.
  const onHost = await host.list(project);
  const inContainers = new Set((await docker.list(project)).map((i) => i.service));
  if (onHost.length === 0)
    throw new BerthError(
      `project ${project} has nothing on the host runtime to upgrade`,
      'Deploy it with "berth deploy --runtime host" first, or check --project.',
    );
  // A one-shot (nova-db's migrations) that completed is as it should be: it runs again in its container.
  const completed = (i: (typeof onHost)[number]) => {
    const s = hostProfile.services.find((h) => h.name === i.service);
    return Boolean(s && isOneShot(s) && i.exitCode === 0);
  };
  const notRunning = onHost.filter((i) => !i.running && !completed(i));
  if (notRunning.length)
    throw new BerthError(
      `host services not running: ${notRunning.map((i) => i.service).join(', ')}`,
      'Bring the host deployment up ("berth deploy --runtime host") so its data is consistent before moving it.',
    );
  await docker.info(opts.signal);
  const toMove = moveOrder(profile.services.filter((s) => !inContainers.has(s.name)));
  // Each container's port must be free, or held by this deployment's own host process it replaces.
  const busy = (await portsInUse(toMove, onHost)).map(
    ({ service, port }) => `${service}: ${port.hostIp}:${port.hostPort}`,
  );
  if (busy.length)
    throw new BerthError(
      `ports the containers need are in use by something else: ${busy.join(', ')}`,
      'Free them (see "ss -ltnp"); nothing was changed.',
    );
  const backupDir = join(profile.stateDir, 'backups', `upgrade-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const dataBytes = toMove.reduce(
    (sum, s) => sum + namedVolumes(s).reduce((n, v) => n + sizeOf(source.volumeDir(project, v)), 0),
    0,
  );
  const free = freeBytes(profile.stateDir);
  if (free < dataBytes * 1.1 + 10 * 2 ** 20) {
    throw new BerthError(
      `not enough disk for the backup: ${mib(dataBytes)} of data, ${mib(free)} free under ${profile.stateDir}`,
      'Free some space (or point BERTH_STATE_DIR elsewhere) and run the upgrade again; nothing was changed.',
    );
  }
  say(
    `plan: move ${toMove.map(describeMove).join(', then ')}; ` +
      'each: back up, stop the host process, copy the data, start the container, health-gate',
  );
  say(
    `pre-checks passed: ${toMove.length} services to move, ${mib(dataBytes)} of data, ${mib(free)} free${inContainers.size ? `; already in containers: ${[...inContainers].join(', ')}` : ''}`,
  );
  for (const image of profile.images) await images.ensureBuiltImage(image.name, image.build, { signal: opts.signal });
  for (const s of toMove)
    await docker.ensureImage(s, { signal: opts.signal, onWork: (kind) => say(`${kind} the image of ${s.name}`) });

  const moved: string[] = [];
  const downtimeMs: Record<string, number> = {};
  for (const service of toMove) {
    const hostService = hostProfile.services.find((s) => s.name === service.name);
    const hostInstance = onHost.find((i) => i.service === service.name);
    const volumes = namedVolumes(service);
    const created: string[] = [];
    try {
      for (const v of volumes) await backup(source.volumeDir(project, v), join(backupDir, `${service.name}.${v}.tar`));
      if (volumes.length) say(`${service.name}: backed up ${volumes.join(', ')} to ${backupDir}`);
      const stopped = Date.now();
      if (hostInstance) {
        await host.stop(hostInstance.id, { timeoutMs: hostService?.stopTimeoutMs });
        bus.emit({ type: 'service.state', service: service.name, state: 'removing', detail: 'host process stopped' });
      }
      for (const v of volumes) if (!(await docker.volumeExists(project, v))) created.push(v);
      await docker.prepare(project, [service]);
      for (const v of volumes) {
        if (existsSync(source.volumeDir(project, v)))
          await importer.fillVolume(project, service, v, source.volumeDir(project, v), opts.signal);
      }
      const done = new Set([...inContainers, ...moved, service.name]);
      await deploy({ runtime: docker, profile: subset(profile, done), bus, signal: opts.signal });
      downtimeMs[service.name] = Date.now() - stopped;
      if (hostInstance) await host.remove(hostInstance.id);
      moved.push(service.name);
      const down = `down ${(downtimeMs[service.name]! / 1000).toFixed(1)} s`;
      say(
        `${service.name}: now in a container${volumes.length ? `, with its data (${volumes.join(', ')})` : ''}; ${down}`,
      );
    } catch (err) {
      say(`${service.name}: upgrade failed, putting it back on the host from its backup`, 'warn');
      await rollBackToHost(opts, service, hostInstance?.id, created, backupDir);
      const reason = err instanceof Error ? err.message : String(err);
      throw new UpgradeFailedError(
        `upgrade stopped at ${service.name}: ${reason}. It runs on the host again with its data restored from the backup${moved.length ? `; already moved: ${moved.join(', ')}` : ''}; not moved: ${
          toMove
            .slice(toMove.indexOf(service) + 1)
            .map((s) => s.name)
            .join(', ') || 'none'
        }`,
        `Fix the cause and run "berth upgrade --from host" again: it continues from here. Backup: ${backupDir}`,
        { moved, downtimeMs, skipped: [...inContainers], backupDir, failed: service.name },
      );
    }
  }
  return { moved, downtimeMs, skipped: [...inContainers], backupDir };
}

/**
 * After a successful upgrade, and only when asked (--cleanup): the host side goes. The packages berth
 * installed for these services are purged and the project's host directory (configs, logs, data dirs)
 * removed. The backups stay, under the project's state directory, until the user deletes them.
 */
export async function cleanupHost(
  opts: Pick<UpgradeOptions, 'hostProfile' | 'bus'> & { host: HostRuntime },
): Promise<{ purged: string[]; removed: string }> {
  const { host, hostProfile, bus } = opts;
  if ((await host.list(hostProfile.project)).length)
    throw new BerthError('host services are still deployed: not cleaning up', 'Finish the upgrade first.');
  // Only what berth installed for these services, and nothing another host deployment still runs from.
  const wanted = new Set(hostProfile.services.flatMap((s) => s.host?.packages ?? []));
  const elsewhere = host.packagesInUseElsewhere(hostProfile.project);
  const purged = host.installedByBerth().filter((p) => wanted.has(p) && !elsewhere.has(p));
  await purgePackages(purged);
  host.forgetInstalled(purged);
  const removed = host.removeHostDir(hostProfile.project);
  bus.emit({
    type: 'message',
    level: 'info',
    text: `cleanup: purged ${purged.join(', ') || 'no packages (berth installed none of them)'}; removed ${removed}`,
  });
  return { purged, removed };
}

async function rollBackToHost(
  opts: UpgradeOptions,
  service: ResolvedService,
  hostId: string | undefined,
  createdVolumes: string[],
  backupDir: string,
): Promise<void> {
  const { host, docker, profile, bus } = opts;
  const project = profile.project;
  // Both were asked for before the upgrade changed anything.
  const source = host.capabilities.volumeExport!;
  const importer = docker.capabilities.volumeImport!;
  await removeInstances(docker, project, service);
  // Only the copies this run made are removed; the host data is the original.
  for (const v of createdVolumes) await importer.removeVolume(project, v);
  for (const v of namedVolumes(service)) {
    const file = join(backupDir, `${service.name}.${v}.tar`);
    if (existsSync(file)) await restore(file, source.volumeDir(project, v));
  }
  if (!hostId) return;
  const hostService = opts.hostProfile.services.find((s) => s.name === service.name) ?? service;
  const instance = await startInstance(host, project, hostService, hostId);
  await awaitHealthy(host, hostService, instance, {
    signal: opts.signal,
    prefix: 'did not come back healthy on the host either: ',
  });
  bus.emit({
    type: 'rollback',
    service: service.name,
    phase: 'done',
    detail: 'running on the host again, data restored from the backup',
  });
}

/**
 * Dependency order, except that a service others contribute to (haproxy) moves after them. Until then the
 * host one keeps answering: its backends are loopback ports, and each container that replaces a host
 * process publishes the same port. A haproxy container moved first would reach its backends only by
 * container name, so every public endpoint would be down until the last API had moved.
 */
export function moveOrder(services: ResolvedService[]): ResolvedService[] {
  const names = new Set(services.map((s) => s.name));
  const needed = new Set(services.flatMap((s) => s.dependsOn.map((d) => d.service)));
  const waits = (s: ResolvedService) => !needed.has(s.name) && (s.contributors ?? []).some((c) => names.has(c));
  return [...services.filter((s) => !waits(s)), ...services.filter(waits)];
}

/** A service to move, with the data volumes it takes along. */
function describeMove(s: ResolvedService): string {
  const volumes = namedVolumes(s);
  return volumes.length ? `${s.name} (data: ${volumes.join(', ')})` : s.name;
}

/** The profile restricted to the given services: what is in containers so far. */
function subset(profile: ResolvedProfile, names: Set<string>): ResolvedProfile {
  return {
    ...profile,
    services: profile.services.filter((s) => names.has(s.name)),
    steps: profile.steps.map((step) => step.filter((n) => names.has(n))).filter((step) => step.length > 0),
    verify: [],
    hostFiles: [],
  };
}

function namedVolumes(service: ResolvedService): string[] {
  return service.volumes.filter((v) => v.type === 'volume').map((v) => v.source);
}

async function backup(dir: string, file: string): Promise<void> {
  if (!existsSync(dir)) return;
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  await pipeline(tarFs.pack(dir), createWriteStream(file, { mode: 0o600 }));
}

/** Put the directory back exactly as backed up: the current one is set aside, then removed. */
async function restore(file: string, dir: string): Promise<void> {
  const aside = `${dir}.before-restore`;
  rmSync(aside, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, aside);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await pipeline(createReadStream(file), tarFs.extract(dir));
  rmSync(aside, { recursive: true, force: true });
}

function sizeOf(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

function freeBytes(path: string): number {
  let dir = path;
  while (!existsSync(dir)) dir = join(dir, '..');
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
