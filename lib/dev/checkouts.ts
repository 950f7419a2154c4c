import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { BerthError } from '../errors.js';
import type { ResolvedProfile } from '../profile/model.js';

/** `--source nova=~/src/nova`: a project name and the checkout's directory. */
export function parseSourceFlags(flags: readonly string[]): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const flag of flags) {
    const m = /^([a-z][a-z0-9-]*)=(.+)$/.exec(flag);
    if (!m) throw new BerthError(`--source ${flag}: expected PROJECT=DIR`, 'For example: --source nova=~/src/nova');
    sources[m[1]!] = resolve(m[2]!.replace(/^~(?=\/|$)/, homedir()));
  }
  return sources;
}

/**
 * Each checkout feeds every service its project's dev.checkout names: the checkout is watched whole and
 * its package directory is mounted over the installed one. A missing tree, or one that is not a Python
 * package of that project, is an error that says how to get one.
 */
export function applyCheckouts(profile: ResolvedProfile, sources: Readonly<Record<string, string>>): ResolvedProfile {
  const projects = new Set(profile.services.flatMap((s) => (s.dev?.checkout ? [s.dev.checkout.project] : [])));
  for (const [project, dir] of Object.entries(sources)) {
    if (!projects.has(project))
      throw new BerthError(
        `--source ${project}=${dir}: no service of profile ${profile.name} runs ${project}`,
        `Projects it runs from a checkout: ${[...projects].sort().join(', ') || 'none'}.`,
      );
    const pkg = profile.services.find((s) => s.dev?.checkout?.project === project)!.dev!.checkout!.package;
    checkCheckout(project, pkg, dir);
  }
  return {
    ...profile,
    services: profile.services.map((s) => {
      const checkout = s.dev?.checkout;
      const dir = checkout && sources[checkout.project];
      if (!checkout || !dir) return s;
      return {
        ...s,
        dev: {
          ...s.dev!,
          sources: [...s.dev!.sources, { path: dir, mount: checkout.package, target: checkout.target }],
        },
      };
    }),
  };
}

function checkCheckout(project: string, pkg: string, dir: string): void {
  const howToGet =
    `Get one with "berth source ${project} ${dir}" (the installed package, in a new git repository), ` +
    `"git clone -b stable/zed https://opendev.org/openstack/${project} ${dir}", or "apt-get source ${project}".`;
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BerthError(`--source ${project}=${dir}: no such directory`, howToGet);
  if (!existsSync(join(dir, pkg, '__init__.py')))
    throw new BerthError(
      `--source ${project}=${dir}: not a checkout of ${project}: ${join(dir, pkg, '__init__.py')} does not exist`,
      `Point --source at the directory that holds the ${pkg}/ package (a git clone's top level). ${howToGet}`,
    );
}

/**
 * A git clone's release: its nearest tag (pbr versions OpenStack projects from their tags), or undefined when it
 * is no git repository, has no tag, or git is not installed.
 */
export function checkoutTag(dir: string): string | undefined {
  if (!existsSync(join(dir, '.git'))) return undefined;
  try {
    const tag = execFileSync('git', ['-C', dir, 'describe', '--tags', '--abbrev=0'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return tag || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a git clone's nearest tag is another release than the installed version: OpenStack's major version is
 * its release (nova 26.x is Zed), and a stable branch's newer point release is still the same one.
 */
export function otherRelease(tag: string, installed: string): boolean {
  const major = (v: string) => /^v?(\d+)\./.exec(v)?.[1];
  const [a, b] = [major(tag), major(installed)];
  return Boolean(a && b && a !== b);
}

/** The checkout's version when it says (PKG-INFO or an egg-info's, as berth source and sdists write). */
export function checkoutVersion(dir: string): string | undefined {
  const candidates = [
    join(dir, 'PKG-INFO'),
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.egg-info') || f.endsWith('.dist-info'))
      .flatMap((f) => [join(dir, f, 'PKG-INFO'), join(dir, f, 'METADATA')]),
  ];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const m = /^Version:\s*(\S+)/m.exec(readFileSync(file, 'utf8'));
    if (m) return m[1];
  }
  return undefined;
}
