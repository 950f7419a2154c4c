import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { dockerignore } from './dockerignore.js';
import tar from 'tar-fs';
import type { BuildSpec } from '../../profile/model.js';

/**
 * The build context as berth sends it. dockerode does not apply .dockerignore to directories, so the
 * context is packed here with our own filter; the same file list feeds a content hash that lets a
 * redeploy skip the build entirely when nothing in the context changed.
 */
export interface BuildContext {
  files: string[];
  hash: string;
  pack(): Readable;
}

export function readBuildContext(build: BuildSpec): BuildContext {
  const ignored = dockerIgnoreMatcher(build.context, build.dockerfile);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = join(dir, entry.name);
      const rel = relative(build.context, abs);
      if (ignored(rel)) continue;
      if (entry.isDirectory()) walk(abs);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(rel);
    }
  };
  walk(build.context);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ dockerfile: build.dockerfile, args: build.args }));
  for (const rel of files) {
    const abs = join(build.context, rel);
    hash.update(`\0${rel}\0${statSync(abs).mode & 0o777}\0`);
    hash.update(readFileSync(abs));
  }
  const keep = new Set(files);
  return {
    files,
    hash: hash.digest('hex').slice(0, 32),
    pack: (): Readable =>
      tar.pack(build.context, {
        ignore: (name) => {
          const rel = relative(build.context, name);
          if (rel === '') return false;
          return statSync(name).isDirectory() ? ignored(rel) : !keep.has(rel);
        },
      }) as unknown as Readable,
  };
}

/**
 * .dockerignore as the engine reads it (Go's filepath.Match with `**` and `!` exceptions, by
 * @balena/dockerignore); the Dockerfile and .dockerignore are always sent, .git never.
 */
export function dockerIgnoreMatcher(context: string, dockerfile: string): (rel: string) => boolean {
  const file = join(context, '.dockerignore');
  const rules = dockerignore({ ignorecase: false }).add(existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []);
  return (rel) => {
    if (rel === dockerfile || rel === '.dockerignore') return false;
    return rel === '.git' || rel.startsWith('.git/') || rules.ignores(rel);
  };
}

/** The base images a Dockerfile builds FROM (stage names excluded). */
export function baseImages(dockerfileText: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const line of dockerfileText.split('\n')) {
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!m) continue;
    if (!stages.has(m[1]!) && m[1] !== 'scratch')
      bases.push(m[1]!.includes(':') || m[1]!.includes('@') ? m[1]! : `${m[1]}:latest`);
    if (m[2]) stages.add(m[2]);
  }
  return bases;
}
