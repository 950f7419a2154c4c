/**
 * Merge environment-file overrides over a base, later wins. Mappings merge key by key; lists and scalars
 * are replaced whole (a list override is the new list, as in Heat environments); `null` deletes a key.
 */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out as T;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
