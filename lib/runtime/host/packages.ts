import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { BerthError } from '../../errors.js';

// execa is loaded on first use: docker-only commands should not pay for it at start-up.
const loadExeca = async () => (await import('execa')).execa;

/** Installed version of each package, or undefined when it is not installed. */
export async function installedVersions(packages: readonly string[]): Promise<Map<string, string | undefined>> {
  const versions = new Map<string, string | undefined>(packages.map((p) => [p, undefined]));
  if (packages.length === 0) return versions;
  const execa = await loadExeca();
  const r = await execa('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status} ${Version}\\n', ...packages], {
    reject: false,
  });
  for (const line of String(r.stdout).split('\n')) {
    const [name, status, version] = line.split(' ');
    if (name && status === 'installed') versions.set(name.split(':')[0]!, version);
  }
  return versions;
}

/** What plays the part of an image ID on the host: the packages and versions a service runs. */
export function packageFingerprint(versions: Map<string, string | undefined>): string {
  const text = [...versions]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, v]) => `${p}=${v ?? 'missing'}`)
    .join('\n');
  return `host:${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}

/**
 * apt-get install whatever is missing, without letting maintainer scripts start the services (berth
 * runs them itself, on its own ports): a policy-rc.d refusing every start, for the install only.
 */
export function ensurePackages(
  service: string,
  packages: readonly string[],
  onLine?: (line: string) => void,
  onInstalled?: (packages: string[]) => void,
): Promise<void> {
  // dpkg takes one installer at a time: services' installs queue behind each other.
  const turn = aptQueue.then(() => installMissing(service, packages, onLine, onInstalled));
  aptQueue = turn.catch(() => undefined);
  return turn;
}

let aptQueue: Promise<unknown> = Promise.resolve();

async function installMissing(
  service: string,
  packages: readonly string[],
  onLine?: (line: string) => void,
  onInstalled?: (packages: string[]) => void,
): Promise<void> {
  const missing = [...(await installedVersions(packages))].filter(([, v]) => !v).map(([p]) => p);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new BerthError(
      `service ${service} needs Debian packages that are not installed: ${missing.join(' ')}`,
      `Install them as root ("apt-get install ${missing.join(' ')}"), or run berth as root so it can.`,
    );
  }
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy)
    writeFileSync(policy, '#!/bin/sh\n# berth: installing packages whose services it runs itself\nexit 101\n', {
      mode: 0o755,
    });
  try {
    const execa = await loadExeca();
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    // A fresh Debian machine may be running unattended-upgrades, or another berth installing: wait for the
    // dpkg lock rather than fail on it.
    const lock = ['-o', 'DPkg::Lock::Timeout=600'];
    let r = await execa('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...missing], {
      env,
      reject: false,
      all: true,
    });
    if (r.exitCode !== 0) {
      onLine?.('apt-get update');
      await execa('apt-get', [...lock, 'update'], { env, reject: false });
      r = await execa('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...missing], {
        env,
        reject: false,
        all: true,
      });
    }
    if (r.exitCode !== 0) {
      throw new BerthError(
        `service ${service}: apt-get install ${missing.join(' ')} failed:\n${String(r.all).split('\n').slice(-15).join('\n')}`,
        'Check the package names in its host block and that an apt mirror answers.',
      );
    }
    onLine?.(`installed ${missing.join(' ')}`);
    onInstalled?.(missing);
  } finally {
    if (ownPolicy) unlinkSync(policy);
  }
}

/** Remove (purge) packages berth installed, when an upgrade's --cleanup asks for it. */
export async function purgePackages(packages: readonly string[]): Promise<void> {
  if (packages.length === 0) return;
  const execa = await loadExeca();
  const r = await execa('apt-get', ['purge', '-y', ...packages], {
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    reject: false,
    all: true,
  });
  if (r.exitCode !== 0)
    throw new BerthError(
      `apt-get purge ${packages.join(' ')} failed:\n${String(r.all).split('\n').slice(-10).join('\n')}`,
      'Remove them by hand; the deployment itself is in containers now.',
    );
}

/**
 * Bytes the packages take installed, with every package they depend on that is installed (Debian's
 * Installed-Size): what a host deployment runs from, as an image is what a container runs from.
 */
export async function installedBytes(packages: readonly string[]): Promise<number> {
  if (packages.length === 0) return 0;
  const execa = await loadExeca();
  const deps = await execa(
    'apt-cache',
    [
      'depends',
      '--recurse',
      '--installed',
      ...['--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances'],
      ...packages,
    ],
    { reject: false },
  );
  // Package names start a line; indented lines are the relations, <virtual> ones are provided by others.
  const names = new Set(
    String(deps.stdout)
      .split('\n')
      .filter((l) => /^[a-z0-9]/.test(l))
      .map((l) => l.trim().split(':')[0]!),
  );
  if (names.size === 0) return 0;
  const sizes = await execa('dpkg-query', ['-W', '-f=${db:Status-Status} ${Installed-Size}\\n', ...names], {
    reject: false,
  });
  return String(sizes.stdout)
    .split('\n')
    .filter((l) => l.startsWith('installed '))
    .reduce((sum, l) => sum + Number(l.split(' ')[1] ?? 0) * 1024, 0);
}
