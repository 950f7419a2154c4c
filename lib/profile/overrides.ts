import { dirname } from 'node:path';
import type { ProfileError } from '../errors.js';
import { interpolateTree, type Parameters } from './interpolate.js';
import type { Layer } from './layers.js';
import { isPlainObject } from './merge.js';
import { resolvePath } from './normalize.js';
import type { PathPolicy } from './path-policy.js';
import type { ProfileChain } from './profile-chain.js';
import { absolutize, type Enabled } from './resolve-service.js';
import { EnvironmentFile } from './schema.js';
import { collect, validateSource } from './validate.js';
import type { YamlSource } from './yaml-source.js';

/**
 * Which services are enabled (the profiles' lists, then environment files' `enabled:`), and each
 * environment file's override of a service as a layer to merge over its library files.
 */
export function readOverrides(
  chain: ProfileChain,
  envSources: YamlSource[],
  parameters: Parameters,
  paths: PathPolicy,
  errors: ProfileError[],
): { enabled: Enabled; overrides: Map<string, Layer[]>; checkouts: Record<string, string> } {
  const top = chain[chain.length - 1]!.profile;
  const enabled: Enabled = new Map();
  for (const { source, profile } of chain) {
    (profile.services ?? []).forEach((name, i) => enabled.set(name, { source, at: ['services', i] }));
  }
  const overrides = new Map<string, Layer[]>();
  const checkouts: Record<string, string> = {};
  for (const source of envSources) {
    const interpolated = interpolateTree(
      source,
      isPlainObject(source.value) ? { ...source.value, parameters: undefined } : source.value,
      parameters,
      [],
      errors,
    );
    const { value } = collect(validateSource(source, EnvironmentFile, interpolated), errors);
    for (const [project, dir] of Object.entries(value?.sources ?? {}))
      checkouts[project] = resolvePath(dirname(source.file), dir);
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
            `service "${name}" is not part of profile "${top.name}"`,
            'Add "enabled: true" to add it from the service library, or check the name.',
            { key: true },
          ),
        );
        continue;
      }
      const { enabled: _drop, ...fields } = override;
      const list = overrides.get(name) ?? [];
      const value = absolutize(fields, (path, raw) => paths.resolve(source, [...at, ...path], raw, errors));
      list.push({ source, at, value });
      overrides.set(name, list);
    }
  }
  return { enabled, overrides, checkouts };
}
