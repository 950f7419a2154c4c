import { BerthError } from '../errors.js';
import type { Runtime, RuntimeCapabilities } from './types.js';

const WHAT: Record<keyof RuntimeCapabilities, string> = {
  images: 'an image store',
  tools: 'tool containers',
  sync: 'copying files into a running instance',
  volumeImport: 'filling named volumes from a directory',
  volumeExport: 'named volumes readable as directories',
  footprint: 'a way to measure its processes and disk use',
};

/**
 * The capability a command needs, or a BerthError that says which runtime lacks it: asked before the
 * command changes anything, so a missing one never fails it part-way.
 */
export function requireCapability<K extends keyof RuntimeCapabilities>(
  runtime: Runtime,
  key: K,
  need: string,
  hint = `Run it with --runtime docker.`,
): NonNullable<RuntimeCapabilities[K]> {
  const capability = runtime.capabilities[key];
  if (capability) return capability as NonNullable<RuntimeCapabilities[K]>;
  throw new BerthError(`${need} needs ${WHAT[key]}, which the ${runtime.name} runtime does not have`, hint);
}
