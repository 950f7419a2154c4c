import { isPlainObject } from './merge.js';
import type { KeyPath, YamlSource } from './yaml-source.js';

/** One file's say about a service: the service file itself, then each environment file over it. */
export interface Layer {
  source: YamlSource;
  /** Where this service's mapping sits inside the file. */
  at: KeyPath;
  value: Record<string, unknown>;
}

/** The last layer that sets a key path (the one an error about that key should point at), else the first. */
export function lastLayer(layers: Layer[], path: KeyPath): Layer {
  for (let i = layers.length - 1; i >= 0; i--) {
    let here: unknown = layers[i]!.value;
    for (const key of path)
      here = isPlainObject(here) || Array.isArray(here) ? (here as Record<string | number, unknown>)[key] : undefined;
    if (here !== undefined) return layers[i]!;
  }
  return layers[0]!;
}
