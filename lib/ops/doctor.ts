import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { portsInUse } from '../deploy/ports.js';
import { BASE_IMAGE } from '../images/seed-base.js';
import type { ResolvedProfile } from '../profile/model.js';
import type { Runtime } from '../runtime/types.js';

export interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  remedy?: string;
}

const GiB = 1024 ** 3;

/** Everything that commonly stops a first deploy, each with what to do about it. */
export async function doctor(runtime: Runtime, profile?: ResolvedProfile): Promise<Finding[]> {
  const findings: Finding[] = [];
  let engineOk = false;
  if (runtime.name === 'host') {
    // Services run from Debian packages, installed with apt-get as root when missing.
    const apt = existsSync('/usr/bin/apt-get');
    const root = process.getuid?.() === 0;
    findings.push({
      check: 'packages',
      ok: apt && root,
      detail: `${apt ? 'apt-get present' : 'no apt-get'}; running as ${root ? 'root' : 'a user'}`,
      remedy: apt && root ? undefined : 'The host runtime installs Debian packages: run berth as root on Debian.',
    });
  } else
    try {
      const info = await runtime.info();
      engineOk = true;
      findings.push({
        check: 'engine',
        ok: true,
        detail: `Docker ${info.version} (API ${info.apiVersion}) at ${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`,
      });
    } catch (e) {
      findings.push({
        check: 'engine',
        ok: false,
        detail: (e as Error).message,
        remedy: 'Run "make engine" (Debian, root) or start Docker and set DOCKER_HOST.',
      });
    }
  const diskPath = existsSync('/var/lib/docker') ? '/var/lib/docker' : '/';
  const fs = statfsSync(diskPath);
  const free = (fs.bavail * fs.bsize) / GiB;
  findings.push({
    check: 'disk',
    ok: free >= 10,
    detail: `${free.toFixed(1)} GiB free on ${diskPath}`,
    remedy: free < 10 ? 'Images need about 10 GiB: free space, or run "docker system prune".' : undefined,
  });
  const mem = freemem() / GiB;
  findings.push({
    check: 'memory',
    ok: mem >= 3,
    detail: `${mem.toFixed(1)} of ${(totalmem() / GiB).toFixed(1)} GiB free`,
    remedy: mem < 3 ? 'The full undercloud needs about 3 GiB: stop other workloads.' : undefined,
  });
  const images = runtime.capabilities.images;
  if (engineOk && images) {
    const base = await images.hasImage(BASE_IMAGE);
    findings.push({
      check: 'base image',
      ok: Boolean(base),
      detail: base ? `${BASE_IMAGE} present` : `${BASE_IMAGE} missing`,
      remedy: base
        ? undefined
        : 'Run "berth images seed-base" (no registry needed) or "docker pull debian:bookworm-slim".',
    });
  }
  if (profile) {
    const ours = engineOk || runtime.name === 'host' ? await runtime.list(profile.project) : [];
    for (const { service, port } of await portsInUse(profile.services, ours)) {
      findings.push({
        check: 'ports',
        ok: false,
        detail: `service ${service}: ${port.hostIp}:${port.hostPort} is in use by another process`,
        remedy: 'Stop it (see "ss -ltnp") or pick another port with --param.',
      });
    }
    if (!findings.some((f) => f.check === 'ports'))
      findings.push({
        check: 'ports',
        ok: true,
        detail: `the ${profile.services.reduce((n, s) => n + s.ports.length, 0)} ports of ${profile.name} are free or already ours`,
      });
  }
  const watches = readNumber('/proc/sys/fs/inotify/max_user_watches');
  const instances = readNumber('/proc/sys/fs/inotify/max_user_instances');
  if (watches !== undefined) {
    const ok = watches >= 65536 && (instances ?? 128) >= 128;
    findings.push({
      check: 'inotify',
      ok,
      detail: `max_user_watches ${watches}, max_user_instances ${instances}`,
      remedy: ok
        ? undefined
        : 'berth dev watches source trees: sysctl -w fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512',
    });
  }
  return findings;
}

function readNumber(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}
