import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError, ProfileError, ProfileErrors } from '../errors.js';
import { findCycle, steps as graphSteps } from '../graph/graph.js';
import { hostDir, projectStateDir } from '../state/paths.js';
import { ensureSecrets } from '../state/secrets.js';
import { checkReferences } from './check-references.js';
import {
  hintFor,
  interpolateString,
  interpolateTree,
  resolveParameterReferences,
  type Parameters,
} from './interpolate.js';
import { lastLayer, type Layer } from './layers.js';
import { deepMerge, isPlainObject, resolveAppends } from './merge.js';
import type { ConfigFileContent, ResolvedProfile, ResolvedService, VerifyCheck } from './model.js';
import {
  parseBootstrap,
  parseDependsOn,
  parseDev,
  parseDuration,
  parseHealthCheck,
  parsePort,
  parseVolume,
  resolvePath,
  stringifyEnv,
  toCommand,
} from './normalize.js';
import { AbstractServiceFile, EnvironmentFile, ExtendingServiceFile, ProfileFile, ServiceFile } from './schema.js';
import { isAbstract, LIBRARY_KEYS, readServiceChain, serviceFields, type ServiceChain } from './service-chain.js';
import { validateSource } from './validate.js';
import { YamlSource, type KeyPath } from './yaml-source.js';

export interface LoadOptions {
  /** A profile name under profilesRoot, or a path to a profile.yaml. */
  profile: string;
  envFiles?: string[];
  project?: string;
  profilesRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** `--param name=value` from the command line: wins over every file. */
  parameters?: Parameters;
  /** Where services will run: on the host runtime each service's `host` block is merged over it. */
  runtime?: 'docker' | 'host';
}

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

/**
 * Load a profile, its parents and environment files into a validated, interpolated, merged model.
 * All problems are collected and thrown together; nothing is returned from invalid input.
 */
export function loadProfile(opts: LoadOptions): ResolvedProfile {
  // A profile given as a path brings its own tree: <root>/<name>/profile.yaml beside <root>/services.
  const isPath = /\.ya?ml$/.test(opts.profile);
  const root = opts.profilesRoot ?? (isPath ? dirname(dirname(resolve(opts.profile))) : defaultProfilesRoot());
  const errors: ProfileError[] = [];
  const fail = () => {
    if (errors.length) throw new ProfileErrors(errors);
  };

  const chain = loadProfileChain(resolveProfileFile(opts.profile, root), root, [], errors);
  fail();
  const top = chain[chain.length - 1]!;
  const project = opts.project ?? top.profile.name;
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(project)) {
    throw new BerthError(
      `invalid project name "${project}"`,
      'Use lower-case letters, digits, "-" and "_" (it prefixes container, network and volume names).',
    );
  }

  const envSources = (opts.envFiles ?? []).map((file) => YamlSource.read(resolve(file)));
  let parameters: Parameters = { project };
  // Where each parameter's winning value was written, so a problem with it points there.
  const origin = new Map<string, YamlSource>();
  const secretNames = new Set<string>();
  for (const { profile, source } of chain) {
    parameters = { ...parameters, ...(profile.parameters ?? {}) };
    for (const name of Object.keys(profile.parameters ?? {})) origin.set(name, source);
    for (const s of profile.secrets ?? []) secretNames.add(s);
  }
  for (const source of envSources) {
    // Parameters first (services are interpolated with them); the rest is validated after interpolation.
    const { value } = collect(
      validateSource(source, z.looseObject({ parameters: EnvironmentFile.shape.parameters })),
      errors,
    );
    parameters = { ...parameters, ...(value?.parameters ?? {}) };
    for (const name of Object.keys(value?.parameters ?? {})) origin.set(name, source);
  }
  for (const name of Object.keys(opts.parameters ?? {})) {
    // A secret on the command line would sit in the process list and shell history, and the
    // generated value would win anyway: refuse it rather than ignore it.
    if (secretNames.has(name)) {
      throw new BerthError(
        `--param ${name}: "${name}" is a secret; berth generates it and keeps it in a 0600 file`,
        `To choose its value, write it to ${join(projectStateDir(project, opts.env), 'secrets', name)} (mode 0600) before deploying.`,
      );
    }
    origin.delete(name);
  }
  parameters = { ...parameters, ...(opts.parameters ?? {}) };

  const stateDir = projectStateDir(project, opts.env);
  // Built in: where the host runtime keeps this project's config, logs and volumes.
  parameters = { host_dir: hostDir(stateDir), ...parameters };
  const references = resolveParameterReferences(parameters);
  if (references.problems.length) {
    const hint = 'Define the parameter it names (profile, environment file or --param), or write a literal ${ as $${.';
    const inFiles = references.problems.filter((p) => origin.has(p.name));
    if (inFiles.length === references.problems.length) {
      throw new ProfileErrors(inFiles.map((p) => origin.get(p.name)!.error(['parameters', p.name], p.message, hint)));
    }
    throw new BerthError(
      references.problems.map((p) => (origin.has(p.name) ? p.message : `--param ${p.name}: ${p.message}`)).join('\n'),
      hint,
    );
  }
  parameters = { ...references.params, ...ensureSecrets(stateDir, [...secretNames]) };

  // Which services are enabled, and where their files are.
  const enabled = new Map<string, { source: YamlSource; at: KeyPath }>();
  for (const { source, profile } of chain) {
    (profile.services ?? []).forEach((name, i) => enabled.set(name, { source, at: ['services', i] }));
  }
  const overrides = new Map<string, Layer[]>();
  for (const source of envSources) {
    const interpolated = interpolateTree(
      source,
      isPlainObject(source.value) ? { ...source.value, parameters: undefined } : source.value,
      parameters,
      [],
      errors,
    );
    const { value } = collect(validateSource(source, EnvironmentFile, interpolated), errors);
    for (const [name, override] of Object.entries(value?.services ?? {})) {
      const at = ['services', name];
      if (override.enabled === false) {
        enabled.delete(name);
        continue;
      }
      if (override.enabled === true) enabled.set(name, { source, at });
      else if (!enabled.has(name)) {
        errors.push(
          source.error(
            at,
            `service "${name}" is not part of profile "${top.profile.name}"`,
            'Add "enabled: true" to add it from the service library, or check the name.',
            { key: true },
          ),
        );
        continue;
      }
      const { enabled: _drop, ...fields } = override;
      const list = overrides.get(name) ?? [];
      list.push({ source, at, value: absolutize(fields, dirname(source.file)) });
      overrides.set(name, list);
    }
  }
  fail();

  const libraryDirs = [...chain.map((c) => join(dirname(c.source.file), 'services')).reverse(), join(root, 'services')];
  const services: ResolvedService[] = [];
  const layersByService = new Map<string, Layer[]>();
  const mergedByService = new Map<string, { file: string; data: ServiceFile }>();
  const paramsByService = new Map<string, Parameters>();
  const chainFiles = new Set<string>();
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
    const chain = readServiceChain(name, file, libraryDirs, parameters, opts.runtime ?? 'docker', errors);
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
    const own = chainLayers(chain, errors);
    if (!own) continue;
    const layers: Layer[] = [...own, ...(overrides.get(name) ?? [])];
    layersByService.set(name, layers);
    paramsByService.set(name, chain.params);
    chain.sources.forEach((s) => chainFiles.add(s.file));
    const merged = layers.slice(1).reduce((acc, layer) => deepMerge(acc, layer.value), layers[0]!.value);
    // The host block's own `key+` lists wait for forRuntimeOf, which merges them over the service.
    const { host: hostFields, ...fields } = merged;
    const whole = { ...resolveAppends(fields), ...(hostFields === undefined ? {} : { host: hostFields }) };
    const checked = ServiceFile.safeParse(whole);
    if (!checked.success) {
      errors.push(mergedServiceError(name, whole, checked.error.issues[0]!, layers, chain.sources.length));
      continue;
    }
    const forRuntime = forRuntimeOf(
      name,
      checked.data as ServiceFile,
      opts.runtime ?? 'docker',
      lastLayer(layers, ['host']),
      errors,
    );
    if (forRuntime) mergedByService.set(name, { file, data: forRuntime });
  }
  fail();
  applyContributions(mergedByService);
  const secretValues = [...secretNames].map((n) => String(parameters[n]));
  for (const [name, { file, data }] of mergedByService) {
    const service = toResolved(name, file, data, paramsByService.get(name)!, layersByService.get(name)!, errors);
    if (service) services.push(service);
    if (service?.onRemove?.some((t) => t.command.some((arg) => secretValues.some((v) => arg.includes(v))))) {
      const layer = lastLayer(layersByService.get(name)!, ['on_remove']);
      errors.push(
        layer.source.error(
          [...layer.at, 'on_remove'],
          `an on_remove command of "${name}" contains a secret`,
          'Removal commands are kept in a container label, where anyone who can inspect it reads them: let the command read the secret from a file in the container instead.',
        ),
      );
    }
  }
  fail();

  checkReferences(services, layersByService, errors, opts.runtime ?? 'docker');
  fail();
  const nodes = services.map((s) => ({ name: s.name, dependsOn: s.dependsOn.map((d) => d.service) }));
  const cycle = findCycle(nodes);
  if (cycle) {
    const layer = lastLayer(layersByService.get(cycle[0]!)!, ['depends_on']);
    throw new ProfileErrors([
      layer.source.error(
        [...layer.at, 'depends_on'],
        `dependency cycle: ${cycle.join(' -> ')}`,
        'Remove one of these depends_on entries.',
      ),
    ]);
  }
  const stepList = graphSteps(nodes);
  const order = stepList.flat();
  services.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  // A check about a service an environment file disabled is not part of this composition; one about a
  // service that exists nowhere is a mistake that would otherwise never run.
  for (const c of chain) {
    (c.profile.verify ?? []).forEach((v, i) => {
      if (enabled.has(v.service) || libraryDirs.some((d) => existsSync(join(d, `${v.service}.yaml`)))) return;
      errors.push(
        c.source.error(
          ['verify', i, 'service'],
          `check "${v.name}" is about "${v.service}", a service this profile does not have`,
          `Services in this profile: ${[...enabled.keys()].sort().join(', ')}.`,
        ),
      );
    });
  }
  const verify = chain
    .flatMap((c) =>
      (c.profile.verify ?? []).map(
        (v, i) => interpolateTree(c.source, v, parameters, ['verify', i], errors) as typeof v,
      ),
    )
    .filter((v) => enabled.has(v.service))
    .map(toVerifyCheck);
  const images = chain.flatMap((c) =>
    (c.profile.images ?? []).map((i) => ({
      name: i.name,
      build: {
        context: resolvePath(dirname(c.source.file), i.context),
        dockerfile: i.dockerfile ?? 'Dockerfile',
        args: stringifyEnv(i.args),
      },
    })),
  );
  const render = (c: (typeof chain)[number], f: { source: string; mode?: number }, at: KeyPath) =>
    renderTemplate(resolvePath(dirname(c.source.file), f.source), parameters, errors, (problem, hint) =>
      c.source.error(at, problem, hint),
    );
  const hostFiles = chain.flatMap((c) =>
    (c.profile.host_files ?? []).map((f, i) => ({
      target: f.target,
      content: render(c, f, ['host_files', i, 'source']) ?? '',
      mode: f.mode ?? 0o600,
    })),
  );
  const clientOwner = [...chain].reverse().find((c) => c.profile.client);
  const client = clientOwner?.profile.client
    ? {
        image: clientOwner.profile.client.image,
        files: (clientOwner.profile.client.files ?? []).map((f, i) => ({
          target: f.target,
          content: render(clientOwner, f, ['client', 'files', i, 'source']) ?? '',
          mode: 0o600,
          source: f.source,
        })),
      }
    : undefined;
  fail();
  const files = [
    ...new Set([
      ...chain.map((c) => c.source.file),
      ...envSources.map((e) => e.file),
      ...chainFiles,
      ...services.flatMap((s) => [s.file, ...s.configFiles.map((c) => c.source)]),
      ...chain.flatMap((c) => (c.profile.host_files ?? []).map((f) => resolvePath(dirname(c.source.file), f.source))),
    ]),
  ];
  return {
    name: top.profile.name,
    project,
    runtime: opts.runtime ?? 'docker',
    file: top.source.file,
    services,
    steps: stepList,
    stateDir,
    verify,
    images,
    hostFiles,
    client,
    files,
  };
}

function toVerifyCheck(v: NonNullable<ProfileFile['verify']>[number]): VerifyCheck {
  return {
    name: v.name,
    service: v.service,
    http: v.http
      ? { port: v.http.port, path: v.http.path, status: v.http.status ?? [200], contains: v.http.contains }
      : undefined,
    exec: toCommand(v.exec),
    client: toCommand(v.client),
    contains: v.contains,
    retries: v.retries ?? 0,
  };
}

function collect<T>(result: { value?: T; errors: ProfileError[] }, errors: ProfileError[]): { value?: T } {
  errors.push(...result.errors);
  return result.errors.length ? {} : result;
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

function availableServices(dirs: string[]): string[] {
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

function loadProfileChain(
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

/**
 * One layer per file of a service's chain, base first: interpolated with the chain's parameters and vars,
 * checked against the schema (partial items are allowed in an abstract file), paths made absolute.
 */
function chainLayers(chain: ServiceChain, errors: ProfileError[]): Layer[] | undefined {
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
      value: absolutize(serviceFields(value) as Record<string, unknown>, dirname(source.file)),
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

/** Paths in a layer are relative to the file that wrote them; make them absolute before layers merge. */
function absolutize(value: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const out = { ...value } as Record<string, any>;
  if (out.build?.context) out.build = { ...out.build, context: resolvePath(baseDir, out.build.context) };
  for (const key of ['volumes', 'volumes+']) {
    if (!Array.isArray(out[key])) continue;
    out[key] = out[key].map((v: any) => {
      const m = parseVolume(v, baseDir);
      return m.type === 'bind' ? { source: m.source, target: m.target, read_only: m.readOnly } : v;
    });
  }
  const absoluteSources = (files: any[]) =>
    files.map((c: any) => (c.source === undefined ? c : { ...c, source: resolvePath(baseDir, c.source) }));
  for (const key of ['config_files', 'config_files+'])
    if (Array.isArray(out[key])) out[key] = absoluteSources(out[key]);
  if (isPlainObject(out.contributes)) {
    out.contributes = Object.fromEntries(
      Object.entries(out.contributes).map(([to, c]: [string, any]) => [
        to,
        Array.isArray(c?.config_files) ? { ...c, config_files: absoluteSources(c.config_files) } : c,
      ]),
    );
  }
  if (isPlainObject(out.host)) {
    const host = { ...out.host } as Record<string, any>;
    if (typeof host.working_dir === 'string') host.working_dir = resolvePath(baseDir, host.working_dir);
    for (const key of ['config_files', 'config_files+'])
      if (Array.isArray(host[key])) host[key] = absoluteSources(host[key]);
    out.host = host;
  }
  for (const key of ['sources', 'sources+']) {
    if (!Array.isArray(out.dev?.[key])) continue;
    out.dev = { ...out.dev, [key]: out.dev[key].map((s: any) => ({ ...s, path: resolvePath(baseDir, s.path) })) };
  }
  return out;
}

function toResolved(
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
    restart: s.restart ?? 'unless-stopped',
    runTimeoutMs: s.timeout === undefined ? undefined : parseDuration(s.timeout, 0),
    dev: parseDev(s.dev, dirname(file)),
    // Left out when empty so that services without removal tasks keep their config hash.
    onRemove: s.on_remove?.length ? s.on_remove.map((t) => ({ name: t.name, command: t.command })) : undefined,
    host: s.host ? { packages: s.host.packages ?? [] } : undefined,
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

/** Config templates use the same `${param}` syntax; an unknown name is reported at its line in the template. */
/**
 * A template rendered with the parameters. A missing one is reported where it is named (`namedAt`), since
 * the template itself has no line to point at.
 */
function renderTemplate(
  file: string,
  params: Parameters,
  errors: ProfileError[],
  namedAt: (problem: string, hint: string) => ProfileError,
): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    errors.push(
      namedAt(`template ${file} not found`, 'Check the "source:" path; it is relative to the file that names it.'),
    );
    return undefined;
  }
  const before = errors.length;
  const out = String(
    interpolateString(text, params, (name, offset) => {
      const prefix = text.slice(0, offset).split('\n');
      errors.push(
        new ProfileError(
          { file, line: prefix.length, column: prefix[prefix.length - 1]!.length + 1 },
          '',
          `unknown parameter "${name}" in config template`,
          hintFor(name, params),
        ),
      );
    }),
  );
  return errors.length > before ? undefined : out;
}
