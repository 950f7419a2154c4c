/**
 * Merge a layer over a base, later wins. Mappings merge key by key; lists and scalars are replaced whole
 * (a list override is the new list, as in Heat environments); `null` deletes a key. A `key+` list adds to
 * the base's `key` instead (appendItems); with no `key` below it yet it stays `key+`, so that a host
 * block's `bootstrap+` still adds to the service's bootstrap once the host block is merged over it.
 * resolveAppends turns what is left into plain keys.
 */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const appendTo = appendKey(key);
    if (value === null) delete out[key];
    else if (appendTo !== undefined && Array.isArray(value)) {
      if (Array.isArray(out[appendTo])) out[appendTo] = appendItems(out[appendTo] as unknown[], value);
      else out[key] = appendItems(Array.isArray(out[key]) ? (out[key] as unknown[]) : [], value);
    } else {
      // A whole list written over a pending `key+` replaces it too.
      if (Array.isArray(value)) delete out[`${key}+`];
      out[key] = key in out ? deepMerge(out[key], value) : value;
    }
  }
  return out as T;
}

/** The key a `key+` adds to, or undefined for a plain key. */
function appendKey(key: string): string | undefined {
  return key.length > 1 && key.endsWith('+') ? key.slice(0, -1) : undefined;
}

/**
 * Items added to an inherited list. An item with the same `name` (tasks) or `target` (files, sources) as
 * an inherited one is merged over it where it stands, so a patch keeps the list's order; others go last.
 */
export function appendItems(base: unknown[], added: unknown[]): unknown[] {
  const out = [...base];
  for (const item of added) {
    const id = identity(item);
    const at = id === undefined ? -1 : out.findIndex((existing) => identity(existing) === id);
    if (at >= 0) out[at] = deepMerge(out[at], item);
    else out.push(item);
  }
  return out;
}

function identity(item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined;
  if (typeof item.name === 'string') return `name:${item.name}`;
  if (typeof item.target === 'string') return `target:${item.target}`;
  return undefined;
}

/** Every `key+` left with nothing to add to becomes `key`, at any depth. */
export function resolveAppends<T>(value: T): T {
  if (Array.isArray(value)) return value.map(resolveAppends) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  const appends: [string, unknown[]][] = [];
  for (const [key, v] of Object.entries(value)) {
    const appendTo = appendKey(key);
    if (appendTo !== undefined && Array.isArray(v)) appends.push([appendTo, resolveAppends(v)]);
    else out[key] = resolveAppends(v);
  }
  for (const [key, items] of appends)
    out[key] = appendItems(Array.isArray(out[key]) ? (out[key] as unknown[]) : [], items);
  return out as T;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
