import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProfileError } from '../errors.js';
import { hintFor, interpolateTree, type Parameters } from './interpolate.js';
import { isPlainObject } from './merge.js';
import { YamlSource, type KeyPath } from './yaml-source.js';

/** A service's file and the library files it extends, base first, with the names its files can use. */
export interface ServiceChain {
  sources: YamlSource[];
  /** The profile's parameters, the chain's vars over them, and `service`: the enabled service's name. */
  params: Parameters;
  /** Says where an unknown `${name}` in this chain can be given a value. */
  hint: (name: string) => string;
}

/** Keys that say how a file builds on others: read here, before interpolation, and not part of the service. */
export const LIBRARY_KEYS = ['abstract', 'extends', 'vars'] as const;

/**
 * Follow `extends:` from a service file through the library and gather `vars:` (a base's values first,
 * the extending file's over them; on the host runtime each file's `host.vars` over those). A var may use
 * the profile's parameters and `${service}`; within its service a var wins over a parameter of its name.
 */
export function readServiceChain(
  name: string,
  file: string,
  libraryDirs: string[],
  parameters: Parameters,
  runtime: 'docker' | 'host',
  errors: ProfileError[],
  /** How a file is read and parsed; a load passes one that reads each skeleton once for all its services. */
  read: (file: string) => YamlSource = YamlSource.read,
): ServiceChain | undefined {
  const sources: YamlSource[] = [];
  const before = errors.length;
  let next: string | undefined = file;
  while (next) {
    const source = read(next);
    sources.unshift(source);
    const raw = isPlainObject(source.value) ? source.value : {};
    next = undefined;
    if (typeof raw.extends !== 'string') break;
    const parent = libraryDirs.map((d) => join(d, `${raw.extends}.yaml`)).find(existsSync);
    if (!parent) {
      errors.push(
        source.error(
          ['extends'],
          `no service named "${raw.extends}" to extend`,
          `Looked in ${libraryDirs.join(', ')}.`,
        ),
      );
    } else if (sources.some((s) => s.file === parent)) {
      const names = [...sources.map((s) => basename(s.file, '.yaml')).reverse(), raw.extends];
      errors.push(source.error(['extends'], `services extend each other in a cycle: ${names.join(' -> ')}`));
    } else next = parent;
  }
  if (errors.length > before) return undefined;

  const own = sources[sources.length - 1]!.file;
  const hint = (unknown: string) =>
    `${hintFor(unknown, parameters)} Or give it a value under "vars:" in ${own} or a file it extends.`;
  // The winning raw value of each var and where it was written; resolved after, so a base's default
  // can name a var the extending file sets (db_name: ${catalog_name}).
  const written = new Map<string, { source: YamlSource; at: KeyPath; value: unknown }>();
  const gather = (source: YamlSource, at: KeyPath, table: unknown) => {
    if (!isPlainObject(table)) return;
    for (const [key, value] of Object.entries(table)) {
      if (key === 'service') {
        errors.push(
          source.error([...at, key], '"service" is the name of the service, set by berth', 'Choose another name.', {
            key: true,
          }),
        );
      } else written.set(key, { source, at: [...at, key], value });
    }
  };
  for (const source of sources) gather(source, ['vars'], isPlainObject(source.value) ? source.value.vars : undefined);
  if (runtime === 'host') {
    for (const source of sources) {
      const host = isPlainObject(source.value) ? source.value.host : undefined;
      gather(source, ['host', 'vars'], isPlainObject(host) ? host.vars : undefined);
    }
  }
  const vars = resolveVars(written, { ...parameters, service: name }, hint, errors);
  if (errors.length > before) return undefined;
  return { sources, params: { ...parameters, ...vars, service: name }, hint };
}

/** Each var interpolated with the parameters and the other vars; a cycle is an error at the var. */
function resolveVars(
  written: Map<string, { source: YamlSource; at: KeyPath; value: unknown }>,
  base: Parameters,
  hint: (name: string) => string,
  errors: ProfileError[],
): Parameters {
  const done: Parameters = {};
  const visiting: string[] = [];
  const scope: Parameters = new Proxy(base, {
    has: (target, key: string) => written.has(key) || key in target,
    get: (target, key: string) => (written.has(key) ? resolveOne(key) : target[key]),
  });
  const resolveOne = (key: string): string | number | boolean => {
    if (key in done) return done[key]!;
    const { source, at, value } = written.get(key)!;
    if (visiting.includes(key)) {
      errors.push(source.error(at, `vars refer to each other in a cycle: ${[...visiting, key].join(' -> ')}`));
      return '';
    }
    visiting.push(key);
    const out = interpolateTree(source, value, scope, at, errors, hint) as string | number | boolean;
    visiting.pop();
    done[key] = out;
    return out;
  };
  for (const key of written.keys()) resolveOne(key);
  return done;
}

/** A chain file's own fields: what it says about the service, without how it builds on others. */
export function serviceFields(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const key of LIBRARY_KEYS) delete out[key];
  if (isPlainObject(out.host)) {
    const { vars: _vars, ...host } = out.host;
    out.host = host;
  }
  return out;
}

export function isAbstract(source: YamlSource): boolean {
  return isPlainObject(source.value) && source.value.abstract === true;
}
