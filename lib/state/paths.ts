import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where berth keeps secrets, bootstrap markers and timings: BERTH_STATE_DIR, else the XDG state home. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_STATE_DIR) return env.BERTH_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'berth');
}

export function projectStateDir(project: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateRoot(env), 'projects', project);
}

/**
 * The host runtime's part of a project directory: configs, instances/ and volumes/. Config templates
 * see it as ${host_dir}, so the loader and the runtime must agree on it.
 */
export function hostDir(projectDir: string): string {
  return join(projectDir, 'host');
}
