import type { ProfileError } from '../errors.js';
import type { KeyPath, YamlSource } from './yaml-source.js';

export type Parameters = Record<string, string | number | boolean>;

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;

/**
 * Replace `${name}` in every string of a value tree. A string that is exactly one reference keeps the
 * parameter's type (so `port: ${api_port}` stays a number); `$${` writes a literal `${`.
 * An unknown name is an error at its line, never an empty string.
 */
export function interpolateTree(
  source: YamlSource,
  value: unknown,
  params: Parameters,
  path: KeyPath,
  errors: ProfileError[],
  hint: (name: string) => string = (name) => hintFor(name, params),
): unknown {
  if (typeof value === 'string') {
    return interpolateString(value, params, (name) => {
      errors.push(source.error(path, `unknown parameter "${name}"`, hint(name)));
    });
  }
  if (Array.isArray(value))
    return value.map((item, i) => interpolateTree(source, item, params, [...path, i], errors, hint));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateTree(source, v, params, [...path, k], errors, hint)]),
    );
  }
  return value;
}

export function interpolateString(
  text: string,
  params: Parameters,
  onUnknown: (name: string, offset: number) => void,
): string | number | boolean {
  const whole = /^\$\{([^}]+)\}$/.exec(text);
  if (whole) {
    const name = whole[1]!.trim();
    if (name in params) return params[name]!;
    onUnknown(name, 0);
    return '';
  }
  return text.replace(REFERENCE, (match, name: string | undefined, offset: number) => {
    if (match === '$${') return '${';
    const key = (name ?? '').trim();
    if (key in params) return String(params[key]);
    onUnknown(key, offset);
    return '';
  });
}

export function hintFor(name: string, params: Parameters): string {
  const known = Object.keys(params).sort();
  return `Define it under "parameters:" in the profile or an environment file (-e). Known parameters: ${known.join(', ') || 'none'}.`;
}

/**
 * Let a parameter default to another (`keystone_direct_port: ${keystone_public_port}`), so one
 * `--param` moves both. Resolved after every layer is merged, so the winning value is the one used.
 * Returns problems (unknown names, cycles) instead of throwing: the caller reports them with the rest.
 */
export function resolveParameterReferences(params: Parameters): {
  params: Parameters;
  problems: { name: string; message: string }[];
} {
  const resolved: Parameters = { ...params };
  const problems: { name: string; message: string }[] = [];
  const visiting = new Set<string>();
  const done = new Set<string>();
  const resolveOne = (name: string): string | number | boolean => {
    const value = resolved[name]!;
    if (done.has(name) || typeof value !== 'string' || !value.includes('${')) return value;
    if (visiting.has(name)) {
      problems.push({
        name,
        message: `parameters refer to each other in a cycle: ${[...visiting, name].join(' -> ')}`,
      });
      return '';
    }
    visiting.add(name);
    const out = interpolateString(
      value,
      new Proxy(resolved, { get: (t, key: string) => (key in t ? resolveOne(key) : undefined) }),
      (unknown) => {
        problems.push({ name, message: `parameter "${name}" refers to unknown parameter "${unknown}"` });
      },
    );
    visiting.delete(name);
    done.add(name);
    resolved[name] = out;
    return out;
  };
  for (const name of Object.keys(resolved)) resolveOne(name);
  return { params: resolved, problems };
}
