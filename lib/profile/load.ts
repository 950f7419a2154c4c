import { dirname, join, resolve } from 'node:path';
import { BerthError, ProfileError, ProfileErrors } from '../errors.js';
import { findCycle, steps as graphSteps } from '../graph/graph.js';
import { projectStateDir } from '../state/paths.js';
import { checkReferences } from './check-references.js';
import type { Parameters } from './interpolate.js';
import { lastLayer, type Layer } from './layers.js';
import type { ResolvedProfile, ResolvedService } from './model.js';
import { readOverrides } from './overrides.js';
import { gatherParameters } from './parameters.js';
import { defaultProfilesRoot, loadProfileChain, resolveProfileFile } from './profile-chain.js';
import { PathPolicy } from './path-policy.js';
import { profileLevel } from './profile-level.js';
import { profileWarnings } from './warnings.js';
import { resolvePath } from './normalize.js';
import { loadServices, toResolved } from './resolve-service.js';
import { YamlSource } from './yaml-source.js';

export { availableProfiles, defaultProfilesRoot, resolveProfileFile } from './profile-chain.js';
export { applyContributions } from './resolve-service.js';

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
  /**
   * "generate" writes the secret files a profile names that do not exist yet: for commands that deploy.
   * Anything else only reads them ("read", the default), so looking at a profile creates nothing.
   */
  secrets?: 'generate' | 'read';
}

/**
 * Load a profile, its parents and environment files into a validated, interpolated, merged model, in
 * steps: the profile chain, parameters (and secrets), the environment files' overrides, each service's
 * library files, the resolved services, their references and dependency order, and the profile-level
 * parts. All problems of a step are collected and thrown together; nothing is returned from invalid input.
 */
export function loadProfile(opts: LoadOptions): ResolvedProfile {
  // A profile given as a path brings its own tree: <root>/<name>/profile.yaml beside <root>/services.
  const isPath = /\.ya?ml$/.test(opts.profile);
  const root = opts.profilesRoot ?? (isPath ? dirname(dirname(resolve(opts.profile))) : defaultProfilesRoot());
  const runtime = opts.runtime ?? 'docker';
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
  const stateDir = projectStateDir(project, opts.env);
  const envSources = (opts.envFiles ?? []).map((file) => YamlSource.read(resolve(file)));
  const { parameters, secretNames } = gatherParameters(
    chain,
    envSources,
    { project, stateDir, env: opts.env, cli: opts.parameters, secrets: opts.secrets ?? 'read' },
    errors,
  );
  const paths = new PathPolicy(root);
  const { enabled, overrides, checkouts } = readOverrides(chain, envSources, parameters, paths, errors);
  fail();

  const libraryDirs = [...chain.map((c) => join(dirname(c.source.file), 'services')).reverse(), join(root, 'services')];
  const loaded = loadServices(enabled, overrides, libraryDirs, parameters, runtime, paths, errors);
  fail();
  const services = resolveServices(loaded, parameters, secretNames, errors);
  fail();
  checkReferences(services, loaded.layers, errors, runtime);
  fail();
  const steps = dependencyOrder(services, loaded.layers);
  const level = profileLevel(chain, enabled, libraryDirs, parameters, paths, errors);
  fail();

  const files = [
    ...new Set([
      ...chain.map((c) => c.source.file),
      ...envSources.map((e) => e.file),
      ...loaded.files,
      ...services.flatMap((s) => [s.file, ...s.configFiles.map((c) => c.source)]),
      ...chain.flatMap((c) => (c.profile.host_files ?? []).map((f) => resolvePath(dirname(c.source.file), f.source))),
    ]),
  ];
  return {
    name: top.profile.name,
    project,
    runtime,
    file: top.source.file,
    services,
    steps,
    stateDir,
    ...level,
    files,
    outside: [...paths.outside].sort(),
    warnings: profileWarnings(services),
    ...(Object.keys(checkouts).length ? { checkouts } : {}),
  };
}

/** Each merged service resolved (templates rendered with its vars); a removal command may not carry a secret. */
function resolveServices(
  loaded: ReturnType<typeof loadServices>,
  parameters: Parameters,
  secretNames: string[],
  errors: ProfileError[],
): ResolvedService[] {
  const services: ResolvedService[] = [];
  const secretValues = secretNames.map((n) => String(parameters[n]));
  for (const [name, { file, data }] of loaded.merged) {
    const layers = loaded.layers.get(name)!;
    const service = toResolved(name, file, data, loaded.params.get(name)!, layers, errors);
    const contributors = [...loaded.merged]
      .filter(([from, other]) => from !== name && other.data.contributes?.[name])
      .map(([from]) => from);
    if (service && contributors.length) service.contributors = contributors;
    if (service) services.push(service);
    if (service?.onRemove?.some((t) => t.command.some((arg) => secretValues.some((v) => arg.includes(v))))) {
      const layer = lastLayer(layers, ['on_remove']);
      errors.push(
        layer.source.error(
          [...layer.at, 'on_remove'],
          `an on_remove command of "${name}" contains a secret`,
          'Removal commands are kept in a container label, where anyone who can inspect it reads them: let the command read the secret from a file in the container instead.',
        ),
      );
    }
  }
  return services;
}

/** Sort services in dependency order (in place) and return the steps; a cycle is an error at a depends_on. */
function dependencyOrder(services: ResolvedService[], layers: Map<string, Layer[]>): string[][] {
  const nodes = services.map((s) => ({ name: s.name, dependsOn: s.dependsOn.map((d) => d.service) }));
  const cycle = findCycle(nodes);
  if (cycle) {
    const layer = lastLayer(layers.get(cycle[0]!)!, ['depends_on']);
    throw new ProfileErrors([
      layer.source.error(
        [...layer.at, 'depends_on'],
        `dependency cycle: ${cycle.join(' -> ')}`,
        'Remove one of these depends_on entries.',
      ),
    ]);
  }
  const steps = graphSteps(nodes);
  const order = steps.flat();
  services.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return steps;
}
