import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import type { ProfileError } from '../errors.js';
import type { KeyPath, YamlSource } from './yaml-source.js';

type Issue = z.core.$ZodIssue;

/** A validation's value, its errors added to the pass's list. */
export function collect<T>(result: { value?: T; errors: ProfileError[] }, errors: ProfileError[]): { value?: T } {
  errors.push(...result.errors);
  return result.errors.length ? {} : result;
}

/** Validate a parsed file against a schema; every issue becomes an error at its file:line with a key path. */
export function validateSource<T extends z.ZodType>(
  source: YamlSource,
  schema: T,
  value: unknown = source.value,
): { value?: z.output<T>; errors: ProfileError[] } {
  const result = schema.safeParse(value);
  if (result.success) return { value: result.data, errors: [] };
  const errors = flattenIssues(result.error.issues, [], value).map((issue) =>
    issueToError(source, schema, issue, value),
  );
  return { errors };
}

/**
 * A union reports one issue holding every branch's issues. The branch that got past the type check
 * (e.g. the object form of a port, not the string form) is the one the user meant.
 */
function flattenIssues(issues: readonly Issue[], base: KeyPath, root: unknown): (Issue & { fullPath: KeyPath })[] {
  const out: (Issue & { fullPath: KeyPath })[] = [];
  for (const issue of issues) {
    const fullPath = [...base, ...(issue.path as KeyPath)];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const meant = issue.errors.find(
        (branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      if (meant) {
        out.push(...flattenIssues(meant, fullPath, root));
        continue;
      }
    }
    out.push({ ...issue, fullPath });
  }
  return out;
}

function issueToError(
  source: YamlSource,
  schema: z.ZodType,
  issue: Issue & { fullPath: KeyPath },
  // What was checked: the file's value with its ${...} filled in, so "${port}" given where a string goes is
  // called the number it became, not the string it was written as.
  checked: unknown,
): ProfileError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    // A "key" can be a whole line of a file that is not a service file at all: never quote more than a name.
    const shown = key.length > 60 ? `${key.slice(0, 57)}...` : key;
    const known = knownKeys(schema, issue.fullPath);
    const near = known.length > 0 ? closest(key, known) : undefined;
    const suggestion =
      near && distance(key, near) <= Math.max(2, Math.floor(key.length / 3)) ? `did you mean "${near}"?` : undefined;
    const hint = [suggestion, known.length ? `Valid keys here: ${known.join(', ')}.` : undefined]
      .filter(Boolean)
      .join(' ');
    return source.error([...issue.fullPath, key], `unknown key "${shown}"`, hint || undefined, { key: true });
  }
  if (issue.code === 'invalid_key') {
    // The key itself is wrong (an environment name with "="): say why, at the key, never quoting its value.
    return source.error(issue.fullPath, issue.issues[0]?.message ?? issue.message, undefined, { key: true });
  }
  if (issue.code === 'invalid_type') {
    const got = describe(valueAt(checked, issue.fullPath));
    const problem =
      got === 'nothing' ? `missing, expected ${issue.expected}` : `expected ${issue.expected}, got ${got}`;
    return source.error(issue.fullPath, problem);
  }
  if (issue.code === 'invalid_value') {
    return source.error(issue.fullPath, `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  if (issue.code === 'invalid_format') {
    return source.error(issue.fullPath, `expected ${issue.message ?? issue.format}`);
  }
  if (issue.code === 'invalid_union') {
    // Every branch refused the value's type (a list where a number or a string goes): say what fits.
    const expected = [
      ...new Set(
        issue.errors.flatMap((branch) =>
          branch.filter((i) => i.code === 'invalid_type').map((i) => (i as { expected: string }).expected),
        ),
      ),
    ];
    if (expected.length)
      return source.error(
        issue.fullPath,
        `expected ${expected.join(' or ')}, got ${describe(valueAt(checked, issue.fullPath))}`,
      );
  }
  return source.error(issue.fullPath, issue.message);
}

function valueAt(value: unknown, path: KeyPath): unknown {
  let here = value;
  for (const key of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string | number, unknown>)[key];
  }
  return here;
}

/**
 * What was written, by kind only: the error points at its line, and a value is never quoted (it may be a
 * secret, or a line of a file that was never meant to be a profile).
 */
function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** The keys an object schema accepts at a path, found by walking the schema the way the value was walked. */
export function knownKeys(schema: z.ZodType, path: KeyPath): string[] {
  let here: z.ZodType | undefined = schema;
  for (const key of path) {
    here = unwrapTo(here, key);
    if (!here) return [];
  }
  const object = findObject(here);
  return object ? Object.keys(object.shape) : [];
}

function unwrapTo(schema: z.ZodType | undefined, key: string | number): z.ZodType | undefined {
  const s = peel(schema);
  if (!s) return undefined;
  const def = s.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case 'object':
      return (s as unknown as z.ZodObject).shape[key as string] as z.ZodType | undefined;
    case 'array':
      return def.element as z.ZodType;
    case 'record':
      return def.valueType as z.ZodType;
    case 'union':
      for (const option of def.options as z.ZodType[]) {
        const found = unwrapTo(option, key);
        if (found) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

function findObject(schema: z.ZodType | undefined): z.ZodObject | undefined {
  const s = peel(schema);
  if (!s) return undefined;
  const def = s.def as unknown as Record<string, unknown>;
  if (def.type === 'object') return s as unknown as z.ZodObject;
  if (def.type === 'union') {
    for (const option of def.options as z.ZodType[]) {
      const found = findObject(option);
      if (found) return found;
    }
  }
  return undefined;
}

/** Strip optional/default/refinement wrappers down to the structural schema. */
function peel(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  for (let i = 0; i < 10 && s; i++) {
    const def = s.def as unknown as Record<string, unknown>;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault')
      s = def.innerType as z.ZodType;
    else if (def.type === 'pipe') s = def.in as z.ZodType;
    else return s;
  }
  return s;
}
