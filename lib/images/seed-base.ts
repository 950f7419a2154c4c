import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { BerthError, throwIfAborted } from '../errors.js';

export const BASE_IMAGE = 'debian:bookworm-slim';

export interface SeedOptions {
  mirror?: string;
  suite?: string;
  tag?: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/**
 * Build the base image with debootstrap and `docker import` it under the tag the Dockerfiles use,
 * for air-gapped labs where no registry answers. Same Dockerfiles work on both kinds of machine.
 */
export async function seedBaseImage(docker: Docker, opts: SeedOptions = {}): Promise<string> {
  const tag = opts.tag ?? BASE_IMAGE;
  const suite = opts.suite ?? 'bookworm';
  const debootstrap = ['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].find(existsSync);
  if (!debootstrap) {
    throw new BerthError(
      `cannot seed ${tag}: debootstrap is not installed`,
      'Install it with "apt-get install debootstrap" (Debian/Ubuntu), or load the image with "docker load".',
    );
  }
  if (process.getuid?.() !== 0) {
    throw new BerthError(`cannot seed ${tag}: debootstrap needs root`, 'Run "sudo berth images seed-base".');
  }
  const mirror = opts.mirror ?? hostDebianMirror();
  if (!mirror) {
    throw new BerthError(
      `cannot seed ${tag}: no Debian mirror found in /etc/apt/sources.list*`,
      'Pass one with --mirror http://deb.debian.org/debian (or your local mirror).',
    );
  }
  // Loaded here, not at start-up: every other command would pay ~100 ms to import it.
  const { execa } = await import('execa');
  const dir = mkdtempSync(join(tmpdir(), 'berth-rootfs-'));
  try {
    opts.onLine?.(`debootstrap --variant=minbase ${suite} from ${mirror}`);
    try {
      const child = execa(debootstrap, ['--variant=minbase', suite, dir, mirror], {
        cancelSignal: opts.signal,
        all: true,
      });
      child.all?.on('data', (chunk: Buffer) =>
        chunk
          .toString()
          .split('\n')
          .filter(Boolean)
          .forEach((l) => opts.onLine?.(l)),
      );
      await child;
    } catch (cause) {
      throwIfAborted(opts.signal);
      const output = String((cause as { all?: string }).all ?? '')
        .split('\n')
        .slice(-15)
        .join('\n');
      throw new BerthError(
        `debootstrap of ${suite} from ${mirror} failed:\n${output}`,
        'Check that the mirror answers (curl it) and has this suite, or pass another with --mirror.',
        { cause },
      );
    }
    // debootstrap leaves one line for the release itself: without bookworm-security and bookworm-updates every image
    // built on it installed packages without Debian's security fixes (keystone lacked four CVE fixes the host had).
    rmSync(join(dir, 'etc/apt/sources.list'), { force: true });
    writeFileSync(join(dir, 'etc/apt/sources.list.d/debian.sources'), debianSources(mirror, suite));
    // Images built on this base should not keep apt caches or the host's resolv.conf.
    rmSync(join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
    for (const f of readdirSync(join(dir, 'var/lib/apt/lists')))
      if (f !== 'partial' && f !== 'lock') rmSync(join(dir, 'var/lib/apt/lists', f), { force: true });
    opts.onLine?.(`importing as ${tag}`);
    const [repo, version] = tag.split(':') as [string, string | undefined];
    const tarProc = execa('tar', ['-C', dir, '--numeric-owner', '-c', '.'], {
      buffer: false,
      cancelSignal: opts.signal,
    });
    await new Promise<void>((resolve, reject) => {
      docker.importImage(
        tarProc.stdout as unknown as NodeJS.ReadableStream,
        { repo, tag: version ?? 'latest', changes: ['CMD ["bash"]'] } as object,
        (err: unknown, stream?: NodeJS.ReadableStream) => {
          if (err) return reject(err);
          docker.modem.followProgress(stream!, (e: unknown) => (e ? reject(e) : resolve()));
        },
      );
    });
    await tarProc;
    const image = await docker.getImage(tag).inspect();
    opts.onLine?.(`${tag} is ${image.Id.slice(7, 19)} (${Math.round(image.Size / 1e6)} MB)`);
    return image.Id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The official image's sources (deb822): the release and its updates from the mirror, security fixes from the
 * security archive beside it (the host's, when it names one).
 */
export function debianSources(mirror: string, suite: string, security = hostDebianSecurityMirror()): string {
  const keyring = 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg';
  return [
    `Types: deb\nURIs: ${mirror}\nSuites: ${suite} ${suite}-updates\nComponents: main\n${keyring}\n`,
    `Types: deb\nURIs: ${security ?? mirror.replace(/\/debian$/, '/debian-security')}\nSuites: ${suite}-security\n` +
      `Components: main\n${keyring}\n`,
  ].join('\n');
}

/** The security archive the host's apt uses, if it names one. */
function hostDebianSecurityMirror(): string | undefined {
  for (const file of aptSourceFiles()) {
    const text = readFileSync(file, 'utf8');
    const uri =
      /^URIs:\s*(\S+)(?:\n(?!\n).*)*?\nSuites:.*-security/m.exec(text)?.[1] ??
      /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+-security\s/m.exec(text)?.[1];
    if (uri) return uri.replace(/\/$/, '');
  }
  return undefined;
}

function aptSourceFiles(): string[] {
  return [
    '/etc/apt/sources.list',
    ...listDir('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f)),
  ].filter((f) => existsSync(f));
}

/** The Debian mirror the host's apt uses, so the seeded image reaches the same packages. */
export function hostDebianMirror(): string | undefined {
  for (const file of aptSourceFiles()) {
    const text = readFileSync(file, 'utf8');
    const deb822 = text
      .split(/\n\s*\n/)
      .find((block) => /^Suites:.*\bbookworm\b/m.test(block) && /^URIs:.*debian\/?\s*$/m.test(block));
    const uri = deb822
      ? /^URIs:\s*(\S+)/m.exec(deb822)?.[1]
      : /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\s/m.exec(text)?.[1];
    if (uri) return uri.replace(/\/$/, '');
  }
  return undefined;
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
