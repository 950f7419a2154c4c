import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError, type ProfileError } from '../errors.js';
import { ProfileFile } from './schema.js';
import { collect, validateSource } from './validate.js';
import { YamlSource } from './yaml-source.js';

/** A profile file and the profiles it extends, parents first. */
export type ProfileChain = { source: YamlSource; profile: ProfileFile }[];

/**
 * The profiles/ shipped beside berth's package.json. Compiled code runs from dist/lib/profile and the
 * sources from lib/profile, so walk up to the package rather than count directories.
 */
export function defaultProfilesRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'profiles'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new BerthError(
        'cannot find the profiles/ directory shipped with berth',
        'Pass a profile as a path to its profile.yaml.',
      );
    dir = parent;
  }
  return join(dir, 'profiles');
}

export function resolveProfileFile(profile: string, root: string): string {
  if (profile.endsWith('.yaml') || profile.endsWith('.yml')) return resolve(profile);
  const file = join(root, profile, 'profile.yaml');
  if (existsSync(file)) return file;
  throw new BerthError(
    `no profile named "${profile}"`,
    `Profiles available under ${root}: ${availableProfiles(root).join(', ') || 'none'}.`,
  );
}

export function availableProfiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'profile.yaml')))
    .sort();
}

export function loadProfileChain(
  file: string,
  root: string,
  seen: string[],
  errors: ProfileError[],
): { source: YamlSource; profile: ProfileFile }[] {
  const source = YamlSource.read(file);
  const { value } = collect(validateSource(source, ProfileFile), errors);
  if (!value) return [];
  if (seen.includes(value.name)) {
    errors.push(
      source.error(['extends'], `profiles extend each other in a cycle: ${[...seen, value.name].join(' -> ')}`),
    );
    return [];
  }
  const parents = (value.extends ?? []).flatMap((parent, i) => {
    const parentFile = join(root, parent, 'profile.yaml');
    if (!existsSync(parentFile)) {
      errors.push(
        source.error(
          ['extends', i],
          `no profile named "${parent}"`,
          `Available: ${availableProfiles(root).join(', ')}.`,
        ),
      );
      return [];
    }
    return loadProfileChain(parentFile, root, [...seen, value.name], errors);
  });
  return [...parents, { source, profile: value }];
}
