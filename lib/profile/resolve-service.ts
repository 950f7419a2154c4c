import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import type { ProfileError } from '../errors.js';
import { interpolateTree, type Parameters } from './interpolate.js';
import { lastLayer, type Layer } from './layers.js';
import { deepMerge, isPlainObject, resolveAppends } from './merge.js';
import type { ConfigFileContent, ResolvedService } from './model.js';
import {
  parseBootstrap,
  parseDependsOn,
  parseDev,
  parseDuration,
  parseHealthCheck,
  parsePort,
  parseVolume,
  stringifyEnv,
  toCommand,
} from './normalize.js';
import type { PathPolicy } from './path-policy.js';
import { renderTemplate } from './render.js';
import { AbstractServiceFile, ExtendingServiceFile, ServiceFile } from './schema.js';
import { isAbstract, LIBRARY_KEYS, readServiceChain, serviceFields, type ServiceChain } from './service-chain.js';
import { collect, validateSource } from './validate.js';
import { YamlSource, type KeyPath } from './yaml-source.js';

/** A service the profile enables, and the list entry (or environment file key) that enables it. */
export type Enabled = Map<string, { source: YamlSource; at: KeyPath }>;

export interface LoadedServices {
  /** The merged service files, contributions applied, ready for toResolved. */
  merged: Map<string, { file: string; data: ServiceFile }>;
  layers: Map<string, Layer[]>;
  params: Map<string, Parameters>;
  /** Every library file read, the extended ones included. */
  files: Set<string>;
}

/**
 * Each enabled service from the library: its chain of files (extends), each interpolated and checked,
 * the environment files' overrides over them, the merged whole checked again, as it runs on this runtime.
 */
export function loadServices(
  enabled: Enabled,
  overrides: Map<string, Layer[]>,
  libraryDirs: string[],
  parameters: Parameters,
  runtime: 'docker' | 'host',
  paths: PathPolicy,
  errors: ProfileError[],
): LoadedServices {
  const loaded: LoadedServices = { merged: new Map(), layers: new Map(), params: new Map(), files: new Set() };
  // Six APIs extend openstack-api: parse each library file once per load, not once per service using it.
  const parsed = new Map<string, YamlSource>();
  const read = (file: string) => parsed.get(file) ?? parsed.set(file, YamlSource.read(file)).get(file)!;
  for (const [name, ref] of enabled) {
    const file = libraryDirs.map((d) => join(d, `${name}.yaml`)).find(existsSync);
    if (!file) {
      errors.push(
        ref.source.error(
          ref.at,
          `no service named "${name}" in the service library`,
          `Looked in ${libraryDirs.join(', ')}. Available: ${availableServices(libraryDirs).join(', ') || 'none'}.`,
        ),
      );
      continue;
    }
    if (paths.contains(dirname(file)) && !paths.contains(file)) {
      errors.push(
        ref.source.error(
          ref.at,
          `the service file ${file} links to a file outside the profile tree (${paths.root}); it was not read`,
          'Copy the service file into the library, or name the profile by a path in the tree it belongs to.',
        ),
      );
      continue;
    }
    const chain = readServiceChain(name, file, libraryDirs, parameters, runtime, errors, read);
    if (!chain) continue;
    if (isAbstract(chain.sources[chain.sources.length - 1]!)) {
      errors.push(
        ref.source.error(
          ref.at,
          `"${name}" is an abstract service: a skeleton for others to extend, not one to run`,
          `Enable a service that extends it (its file says "extends: ${name}").`,
        ),
      );
      continue;
    }
    const own = chainLayers(chain, paths, errors);
    if (!own) continue;
    const layers: Layer[] = [...own, ...(overrides.get(name) ?? [])];
    loaded.layers.set(name, layers);
    loaded.params.set(name, chain.params);
    chain.sources.forEach((s) => loaded.files.add(s.file));
    const merged = layers.slice(1).reduce((acc, layer) => deepMerge(acc, layer.value), layers[0]!.value);
    // The host block's own `key+` lists wait for forRuntimeOf, which merges them over the service.
    const { host: hostFields, ...fields } = merged;
    const whole = { ...resolveAppends(fields), ...(hostFields === undefined ? {} : { host: hostFields }) };
    const checked = ServiceFile.safeParse(whole);
    if (!checked.success) {
      errors.push(mergedServiceError(name, whole, checked.error.issues[0]!, layers, chain.sources.length));
      continue;
    }
    const forRuntime = forRuntimeOf(name, checked.data as ServiceFile, runtime, lastLayer(layers, ['host']), errors);
    if (forRuntime) loaded.merged.set(name, { file, data: forRuntime });
  }
  applyContributions(loaded.merged);
  return loaded;
}

export function availableServices(dirs: string[]): string[] {
  return [
    ...new Set(
      dirs.filter(existsSync).flatMap((d) =>
        readdirSync(d)
          .filter((f) => f.endsWith('.yaml') && !/^abstract:\s*true\s*$/m.test(readFileSync(join(d, f), 'utf8')))
          .map((f) => basename(f, '.yaml')),
      ),
    ),
  ].sort();
}

/**
 * One layer per file of a service's chain, base first: interpolated with the chain's parameters and vars,
 * checked against the schema (partial items are allowed in an abstract file), paths made absolute.
 */
function chainLayers(chain: ServiceChain, paths: PathPolicy, errors: ProfileError[]): Layer[] | undefined {
  const layers: Layer[] = [];
  for (const source of chain.sources) {
    const raw = isPlainObject(source.value) ? source.value : {};
    // vars were interpolated by readServiceChain; here they are only checked, not interpolated again.
    const interpolated = interpolateTree(source, serviceFields(raw), chain.params, [], errors, chain.hint);
    const host = isPlainObject(raw.host) && isPlainObject(interpolated) ? interpolated.host : undefined;
    const checkable = {
      ...(interpolated as Record<string, unknown>),
      ...Object.fromEntries(LIBRARY_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]])),
      ...(isPlainObject(host) && isPlainObject(raw.host) && 'vars' in raw.host
        ? { host: { ...host, vars: raw.host.vars } }
        : {}),
    };
    const schema = isAbstract(source) ? AbstractServiceFile : 'extends' in raw ? ExtendingServiceFile : ServiceFile;
    const { value } = collect(validateSource(source, schema, checkable), errors);
    if (!value) return undefined;
    layers.push({
      source,
      at: [],
      value: absolutize(serviceFields(value) as Record<string, unknown>, (at, raw) =>
        paths.resolve(source, at, raw, errors),
      ),
    });
  }
  return layers;
}

/**
 * A merged service that is not whole, most often a skeleton's item its service did not complete: said at
 * the enabled service's own file, naming the item by its name where it has one.
 */
function mergedServiceError(
  name: string,
  merged: Record<string, unknown>,
  issue: z.core.$ZodIssue,
  layers: Layer[],
  chainLength: number,
): ProfileError {
  let here: unknown = merged;
  const parts: string[] = [];
  for (const key of issue.path as (string | number)[]) {
    const item = Array.isArray(here) ? here[key as number] : isPlainObject(here) ? here[key] : undefined;
    if (typeof key === 'number') {
      const id = isPlainObject(item) ? (item.name ?? item.target) : undefined;
      parts.push(typeof id === 'string' ? `["${id}"]` : `[${key}]`);
    } else parts.push(parts.length ? `.${key}` : key);
    here = item;
  }
  // An environment file that wrote the bad value is the place to fix it; else the service's own file.
  const setter = [...layers.slice(chainLength)].reverse().find((l) => valueAt(l.value, issue.path) !== undefined);
  const layer = setter ?? layers[chainLength - 1]!;
  return layer.source.error(
    layer.at,
    `service "${name}" as merged is invalid at ${parts.join('') || 'its top level'}: ${issue.message}`,
    chainLength > 1
      ? `Its file extends ${layers
          .slice(0, chainLength - 1)
          .map((l) => basename(l.source.file))
          .join(' and ')}; complete what that leaves open here (a "key+:" list adds to or changes an inherited item).`
      : undefined,
  );
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let here = value;
  for (const key of path) here = isPlainObject(here) || Array.isArray(here) ? (here as any)[key] : undefined;
  return here;
}

/** Resolves a path written at a key path of a layer's file (see PathPolicy). */
export type PathResolver = (at: KeyPath, raw: string) => string;

/** Paths in a layer are relative to the file that wrote them; make them absolute before layers merge. */
export function absolutize(value: Record<string, unknown>, resolveAt: PathResolver): Record<string, unknown> {
  const out = { ...value } as Record<string, any>;
  if (out.build?.context) out.build = { ...out.build, context: resolveAt(['build', 'context'], out.build.context) };
  for (const key of ['volumes', 'volumes+']) {
    if (!Array.isArray(out[key])) continue;
    out[key] = out[key].map((v: any, i: number) => {
      const m = parseVolume(v, '/');
      if (m.type !== 'bind') return v;
      const raw = typeof v === 'string' ? v.split(':')[0]! : v.source;
      return { source: resolveAt([key, i], raw), target: m.target, read_only: m.readOnly };
    });
  }
  const absoluteSources = (files: any[], at: KeyPath) =>
    files.map((c: any, i: number) =>
      c.source === undefined ? c : { ...c, source: resolveAt([...at, i, 'source'], c.source) },
    );
  for (const key of ['config_files', 'config_files+'])
    if (Array.isArray(out[key])) out[key] = absoluteSources(out[key], [key]);
  if (isPlainObject(out.contributes)) {
    out.contributes = Object.fromEntries(
      Object.entries(out.contributes).map(([to, c]: [string, any]) => [
        to,
        Array.isArray(c?.config_files)
          ? { ...c, config_files: absoluteSources(c.config_files, ['contributes', to, 'config_files']) }
          : c,
      ]),
    );
  }
  if (isPlainObject(out.host)) {
    const host = { ...out.host } as Record<string, any>;
    if (typeof host.working_dir === 'string') host.working_dir = resolveAt(['host', 'working_dir'], host.working_dir);
    for (const key of ['config_files', 'config_files+'])
      if (Array.isArray(host[key])) host[key] = absoluteSources(host[key], ['host', key]);
    out.host = host;
  }
  for (const key of ['sources', 'sources+']) {
    if (!Array.isArray(out.dev?.[key])) continue;
    const sources = out.dev[key].map((s: any, i: number) => ({
      ...s,
      path: resolveAt(['dev', key, i, 'path'], s.path),
    }));
    out.dev = { ...out.dev, [key]: sources };
  }
  return out;
}

export function toResolved(
  name: string,
  file: string,
  s: ServiceFile,
  params: Parameters,
  layers: Layer[],
  errors: ProfileError[],
): ResolvedService | undefined {
  if (!s.image && !s.build) {
    const layer = layers[0]!;
    errors.push(
      layer.source.error(
        layer.at,
        `service "${name}" has neither "image" nor "build"`,
        'Add "image: NAME:TAG" to run an existing image, or "build: {context: DIR}" to build one.',
      ),
    );
    return undefined;
  }
  const configFiles: ConfigFileContent[] = [];
  const filesLayer = lastLayer(layers, ['config_files']);
  const namedAt = (problem: string, hint: string) =>
    filesLayer.source.error([...filesLayer.at, 'config_files'], problem, hint);
  for (const c of s.config_files ?? []) {
    // Inline content was interpolated with its service file; a template is rendered here.
    const rendered = c.source === undefined ? c.content : renderTemplate(c.source, params, errors, namedAt);
    if (rendered !== undefined)
      configFiles.push({ target: c.target, content: rendered, mode: c.mode ?? 0o644, source: c.source ?? file });
  }
  return {
    name,
    file,
    image: s.image ?? `berth/${name}:latest`,
    build: s.build
      ? { context: s.build.context, dockerfile: s.build.dockerfile ?? 'Dockerfile', args: stringifyEnv(s.build.args) }
      : undefined,
    command: toCommand(s.command),
    entrypoint: toCommand(s.entrypoint),
    user: s.user,
    workingDir: s.working_dir,
    environment: stringifyEnv(s.environment),
    ports: (s.ports ?? []).map(parsePort),
    volumes: (s.volumes ?? []).map((v) => parseVolume(v, dirname(file))),
    configFiles,
    dependsOn: parseDependsOn(s.depends_on),
    healthcheck: parseHealthCheck(s.healthcheck),
    bootstrap: parseBootstrap(s.bootstrap),
    stopSignal: s.stop_signal ?? 'SIGTERM',
    stopTimeoutMs: parseDuration(s.stop_timeout, 10_000),
    capAdd: s.cap_add?.length ? [...s.cap_add] : undefined,
    init: s.init ? true : undefined,
    ctlplane: s.ctlplane ? (s.ctlplane.address ? { address: s.ctlplane.address } : {}) : undefined,
    restart: s.restart ?? 'unless-stopped',
    runTimeoutMs: s.timeout === undefined ? undefined : parseDuration(s.timeout, 0),
    dev: parseDev(s.dev, dirname(file)),
    // Left out when empty so that services without removal tasks keep their config hash.
    onRemove: s.on_remove?.length ? s.on_remove.map((t) => ({ name: t.name, command: t.command })) : undefined,
    host: s.host ? { packages: s.host.packages ?? [] } : undefined,
    ...(s.endpoints ? { endpoints: s.endpoints } : {}),
  };
}

/** The service as it runs on this runtime: its host block merged over it on the host, and left out on Docker. */
function forRuntimeOf(
  name: string,
  data: ServiceFile,
  runtime: 'docker' | 'host',
  layer: Layer,
  errors: ProfileError[],
): ServiceFile | undefined {
  const { host, ...base } = data;
  if (runtime === 'docker') return base;
  if (!host) {
    errors.push(
      layer.source.error(
        layer.at,
        `service "${name}" has no "host" block, so it cannot run on the host runtime`,
        'Add host: { packages: [...], command: [...] } to its service file, disable it in an environment file, or deploy with --runtime docker.',
      ),
    );
    return undefined;
  }
  if (base.cap_add?.length) {
    errors.push(
      layer.source.error(
        layer.at,
        `service "${name}" adds Linux capabilities (cap_add: ${base.cap_add.join(', ')}), which act on its ` +
          `container's own namespaces; on the host runtime they would act on the host's`,
        'Disable it in an environment file, or deploy with --runtime docker.',
      ),
    );
    return undefined;
  }
  if (base.ctlplane) {
    errors.push(
      layer.source.error(
        layer.at,
        `service "${name}" joins the ctlplane (ctlplane: address ${base.ctlplane.address}) through a network ` +
          `namespace of its own, which a host process does not have; on the host it would join the host's network`,
        'Leave out the environment that adds it (provisioning.yaml), or deploy with --runtime docker.',
      ),
    );
    return undefined;
  }
  const { packages, ...fields } = host;
  const merged = ServiceFile.safeParse(
    resolveAppends(deepMerge(base as Record<string, unknown>, fields as Record<string, unknown>)),
  );
  if (!merged.success) {
    errors.push(
      layer.source.error(
        [...layer.at, 'host'],
        `the host form of "${name}" is invalid: ${merged.error.issues[0]?.message}`,
      ),
    );
    return undefined;
  }
  return { ...merged.data, host: { packages: packages ?? [] } };
}

/**
 * Append what enabled services contribute to other enabled services (in profile order, so the result
 * is stable). A contribution to a service that is not enabled is dropped with it.
 */
export function applyContributions(services: Map<string, { file: string; data: ServiceFile }>): void {
  for (const [from, { data }] of services) {
    for (const [to, contribution] of Object.entries(data.contributes ?? {})) {
      const target = services.get(to);
      if (!target || to === from) continue;
      target.data = {
        ...target.data,
        ports: [...(target.data.ports ?? []), ...(contribution.ports ?? [])],
        config_files: [...(target.data.config_files ?? []), ...(contribution.config_files ?? [])],
      };
    }
  }
}
