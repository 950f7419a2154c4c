import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { Ctlplane } from '../../nodes/ctlplane.js';
import { livePid } from '../../nodes/pid-file.js';
import { LABEL } from '../types.js';

/**
 * The engine restarts a crashed container by its restart policy without berth, and a restarted container is a new
 * network namespace, off the ctlplane. The keeper is the process that puts it back: it follows the engine's start
 * events for the project's ctlplane members and joins each one again. It runs inside the project's namespace, so
 * removing the ctlplane (`berth down`) kills it with dnsmasq, the VMs and the BMCs.
 */
export function keeperPidFile(net: Ctlplane): string {
  return join(net.stateDir, 'keeper.pid');
}

export function keeperPid(net: Ctlplane): number | undefined {
  return livePid(keeperPidFile(net), `--pid-file=${keeperPidFile(net)}`);
}

/** Where the keeper's entry point is: next to this file, compiled or (under tsx) not. */
function keeperMain(): { file: string; nodeArgs: string[] } {
  const here = fileURLToPath(import.meta.url);
  const typescript = here.endsWith('.ts');
  const file = here.replace(/ctlplane-keeper\.(ts|js)$/, `ctlplane-keeper-main.${typescript ? 'ts' : 'js'}`);
  return { file, nodeArgs: typescript ? ['--import', 'tsx'] : [] };
}

/**
 * Starts the project's keeper unless it runs. Called with the ctlplane's join lock held, so two berth commands
 * joining at once start one keeper between them.
 */
export function ensureCtlplaneKeeper(net: Ctlplane): number {
  const running = keeperPid(net);
  if (running) return running;
  const { file, nodeArgs } = keeperMain();
  const log = openSync(join(net.stateDir, 'keeper.log'), 'a', 0o600);
  // `ip netns exec` execs the command in place, so the child's pid is the keeper's.
  const child = spawn(
    'ip',
    [
      ...['netns', 'exec', net.namespace, process.execPath, ...nodeArgs, file],
      ...[`--project=${net.project}`, `--pid-file=${keeperPidFile(net)}`],
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  // The child has its own copy of the log's descriptor; this process's would only leak.
  closeSync(log);
  writeFileSync(keeperPidFile(net), `${child.pid}\n`, { mode: 0o600 });
  return child.pid!;
}

/** The project's ctlplane members, as the engine's container listing filters them. */
export function memberFilters(project: string) {
  return { label: [`${LABEL.project}=${project}`, LABEL.ctlplane] };
}

/** The engine's events the keeper follows: a member's container starting. */
export function memberStartFilters(project: string) {
  return { ...memberFilters(project), type: ['container'], event: ['start'] };
}

/**
 * Follows the engine until `signal` aborts: each start of a member is joined again. On every (re)connection it
 * subscribes first and then looks at every running member, so a start while it was not listening (the engine itself
 * restarting) is caught too. Joins run one at a time, in the order the engine reports the starts.
 */
export async function keepCtlplane(
  docker: Docker,
  project: string,
  join: (containerId: string) => Promise<{ service: string; pid: number } | undefined>,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const joinLogged = async (id: string, why: string) => {
    try {
      const joined = await join(id);
      if (joined) log(`${id.slice(0, 12)}: on the ctlplane (${why}): ${joined.service}, pid ${joined.pid}`);
    } catch (cause) {
      log(`${id.slice(0, 12)}: not joined (${why}): ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  };
  while (!signal.aborted) {
    // One controller per connection, so that reconnecting does not pile listeners onto the keeper's own signal.
    const connection = new AbortController();
    const abort = () => connection.abort();
    signal.addEventListener('abort', abort, { once: true });
    try {
      const events = (await docker.getEvents({
        filters: memberStartFilters(project),
        abortSignal: connection.signal,
      } as Docker.GetEventsOptions)) as NodeJS.ReadableStream;
      const running = await docker.listContainers({ filters: { ...memberFilters(project), status: ['running'] } });
      for (const c of running) await joinLogged(c.Id, 'running when the keeper connected');
      for await (const line of createInterface({ input: events })) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { id?: string; Actor?: { ID?: string } };
        const id = event.Actor?.ID ?? event.id;
        if (id) await joinLogged(id, 'started');
      }
      if (!signal.aborted) log('the engine closed its event stream; connecting again in 1 s');
    } catch (cause) {
      if (signal.aborted) break;
      log(`engine: ${cause instanceof Error ? cause.message : String(cause)}; connecting again in 1 s`);
    } finally {
      signal.removeEventListener('abort', abort);
      connection.abort();
    }
    if (signal.aborted) break;
    // Not a wait for anything to happen: a pause between reconnections to an engine that is away.
    await new Promise((r) => setTimeout(r, 1000));
  }
}
