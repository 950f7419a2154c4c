import { existsSync, readFileSync } from 'node:fs';

/**
 * The live process a pid file names, if its command line still holds the marker: a pid file that outlived its
 * process (a kill, a host reboot) must not make another process with the reused pid look like ours.
 */
export function livePid(pidFile: string, marker: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) ? pid : undefined;
  } catch {
    return undefined;
  }
}
