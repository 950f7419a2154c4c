import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../errors.js';

/**
 * One Tempest run per project at a time: `tempest cleanup` deletes whatever appeared since its saved state, so a
 * second run's cleanup removes the networks and users the first is still testing with. The lock is a file naming
 * its berth process; a lock whose process is gone is stale and taken over.
 */
export function lockTempestRun(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'tempest.lock');
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (holder && alive(holder))
        throw new BerthError(
          `Tempest is already running against this project (berth process ${holder})`,
          'Wait for it to finish: its cleanup would delete what a second run creates.',
        );
      rmSync(file, { force: true });
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
