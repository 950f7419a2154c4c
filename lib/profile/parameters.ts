import { join } from 'node:path';
import { z } from 'zod';
import { BerthError, ProfileErrors, type ProfileError } from '../errors.js';
import { hostDir, projectStateDir } from '../state/paths.js';
import { ensureSecrets, readSecrets } from '../state/secrets.js';
import { resolveParameterReferences, type Parameters } from './interpolate.js';
import type { ProfileChain } from './profile-chain.js';
import { EnvironmentFile } from './schema.js';
import { collect, validateSource } from './validate.js';
import type { YamlSource } from './yaml-source.js';

export interface ParameterOptions {
  project: string;
  stateDir: string;
  env?: NodeJS.ProcessEnv;
  /** `--param name=value`: wins over every file. */
  cli?: Parameters;
  /** Write missing secret files (deploying), or only read the ones there are (plan, status, verify). */
  secrets: 'generate' | 'read';
}

/**
 * Every parameter with its winning value: the profiles' (parents first), the environment files', then
 * `--param`; `${host_dir}` and `${project}` built in; references between them resolved; secrets last.
 */
export function gatherParameters(
  chain: ProfileChain,
  envSources: YamlSource[],
  opts: ParameterOptions,
  errors: ProfileError[],
): { parameters: Parameters; secretNames: string[] } {
  let parameters: Parameters = { project: opts.project };
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
  for (const name of Object.keys(opts.cli ?? {})) {
    // A secret on the command line would sit in the process list and shell history, and the
    // generated value would win anyway: refuse it rather than ignore it.
    if (secretNames.has(name)) {
      throw new BerthError(
        `--param ${name}: "${name}" is a secret; berth generates it and keeps it in a 0600 file`,
        `To choose its value, write it to ${join(projectStateDir(opts.project, opts.env), 'secrets', name)} (mode 0600) before deploying.`,
      );
    }
    origin.delete(name);
  }
  // Built in: where the host runtime keeps this project's config, logs and volumes.
  parameters = { host_dir: hostDir(opts.stateDir), ...parameters, ...(opts.cli ?? {}) };
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
  const names = [...secretNames];
  const secrets = opts.secrets === 'generate' ? ensureSecrets(opts.stateDir, names) : readSecrets(opts.stateDir, names);
  return { parameters: { ...references.params, ...secrets }, secretNames: names };
}
