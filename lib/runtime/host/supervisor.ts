/**
 * The supervisor of one host-runtime service: started detached by `berth deploy --runtime host`, it
 * outlives the CLI, runs the service's foreground command with execa, appends its output to output.log,
 * restarts it on a crash with backoff (unless restart: no), and on SIGTERM stops it with the service's
 * stop signal, then SIGKILL after its stop timeout.
 */
import { createWriteStream } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { InstanceFiles, type HostState } from './instance-files.js';

const files = new InstanceFiles(process.argv[2]!);
const { service } = files.readSpec();
const command = service.command ?? [];
const log = createWriteStream(files.logFile, { flags: 'a' });
const state: HostState = {
  supervisorPid: process.pid,
  running: false,
  restarting: false,
  restarts: 0,
  status: 'created',
};
let child: ResultPromise | undefined;
let stopping = false;
let backoffMs = 500;

function publish(update: Partial<HostState>): void {
  Object.assign(state, update);
  files.writeState(state);
}

function startChild(): void {
  const startedAt = Date.now();
  child = execa(command[0]!, command.slice(1), {
    cwd: service.workingDir,
    env: service.environment,
    all: true,
    buffer: false,
    reject: false,
    stdin: 'ignore',
    killSignal: service.stopSignal as NodeJS.Signals,
    // A process group of its own: the service's forked workers (neutron-server's, uwsgi's) are stopped
    // with it, and none outlives it holding the port the next instance (or the upgrade's container) needs.
    detached: true,
  });
  child.all?.pipe(log, { end: false });
  publish({
    childPid: child.pid,
    running: true,
    restarting: false,
    exitCode: undefined,
    startedAt: new Date(startedAt).toISOString(),
    status: 'running',
  });
  const group = child.pid;
  void child.then(async (result) => {
    if (group) await emptyGroup(group);
    const exitCode = result.exitCode ?? 127;
    // A command that could not start at all (not installed, say) has no exit code, only a message.
    if (result.exitCode === undefined && !result.signal) log.write(`[berth] ${result.shortMessage}\n`);
    log.write(
      `[berth] ${service.name} exited with ${result.signal ? `signal ${result.signal}` : `code ${exitCode}`}\n`,
    );
    if (stopping) return finish(exitCode);
    const policy = service.restart;
    if (policy === 'no' || (policy === 'on-failure' && exitCode === 0)) return finish(exitCode);
    // A crash right after start backs off further; a long healthy run starts the backoff over.
    backoffMs = Date.now() - startedAt > 30_000 ? 500 : Math.min(backoffMs * 2, 10_000);
    publish({ running: false, restarting: true, exitCode, status: `restarting in ${backoffMs} ms` });
    setTimeout(() => {
      if (stopping) return finish(exitCode);
      publish({ restarts: state.restarts + 1 });
      startChild();
    }, backoffMs);
  });
}

function finish(exitCode: number): void {
  publish({ running: false, restarting: false, childPid: undefined, exitCode, status: `exited (${exitCode})` });
  log.end(() => process.exit(0));
}

process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  if (!child || !state.running) return finish(state.exitCode ?? 0);
  signalGroup(child.pid, service.stopSignal as NodeJS.Signals);
  setTimeout(() => signalGroup(child?.pid, 'SIGKILL'), service.stopTimeoutMs).unref();
});

startChild();

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** What the service's main process left in its group: given its stop timeout to go, then killed. */
async function emptyGroup(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const limit = Date.now() + service.stopTimeoutMs;
  if (alive()) signalGroup(pid, service.stopSignal as NodeJS.Signals);
  while (alive() && Date.now() < limit) await new Promise((r) => setTimeout(r, 50));
  if (alive()) signalGroup(pid, 'SIGKILL');
  // Killed members are reaped by init; bounded all the same, so a stuck one cannot hold the supervisor.
  for (let i = 0; i < 250 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
}
