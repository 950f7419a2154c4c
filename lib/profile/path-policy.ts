import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { ProfileError } from '../errors.js';
import { resolvePath } from './normalize.js';
import type { KeyPath, YamlSource } from './yaml-source.js';

/**
 * Which files a profile may make berth read. A relative path written in a file of the profile tree must
 * stay in that tree (`../../../../etc/shadow` from a downloaded profile is refused); an absolute or `~/`
 * path shows intent and is allowed. Files outside the tree (an environment file of the user's own) may
 * point anywhere. Every file outside the tree that a deploy will read is kept, for `berth plan` to list.
 */
export class PathPolicy {
  readonly outside = new Set<string>();
  /** The root as the filesystem has it (links followed), found once: every path is compared against it. */
  private readonly realRoot: string;

  constructor(readonly root: string) {
    this.realRoot = realOrSelf(root);
  }

  /** The absolute path `raw` names, written at `at` in `source`; a relative one that climbs out is an error. */
  resolve(source: YamlSource, at: KeyPath, raw: string, errors: ProfileError[]): string {
    const abs = resolvePath(dirname(source.file), raw);
    const written = isAbsolute(raw) || raw.startsWith('~/');
    if (this.contains(source.file) && !written && !this.contains(abs)) {
      const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
      errors.push(
        source.error(
          at,
          `"${shown}" leaves the profile tree (${this.root})`,
          'A relative path stays inside the profile tree; write an absolute path if you mean a file elsewhere ' +
            '("berth plan" lists every file outside the tree a deploy reads).',
        ),
      );
    } else if (!this.contains(abs)) this.outside.add(abs);
    return abs;
  }

  /** Whether a path (a link followed to where it points) is inside the tree. */
  contains(path: string): boolean {
    const rel = relative(this.realRoot, realOrSelf(path));
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // Not there (yet): a missing file is reported by whoever reads it; its written path is what counts.
    try {
      return `${realpathSync(dirname(path))}${sep}${path.slice(dirname(path).length + 1)}`;
    } catch {
      return path;
    }
  }
}
