import { pendingCleanups } from '../lib/cleanup-holds.js';
import { openEngineRequests } from '../lib/runtime/docker/engine-requests.js';

/** How long berth may wind down after Ctrl-C or SIGTERM before it exits whatever is stuck below. */
export const GRACE_MS = 5_000;
/** How long a finished command may stay alive before it reports what holds it open, and exits. */
export const LINGER_MS = 5_000;
/** The words the test harness looks for: a finished command that could not exit by itself. */
export const LINGER_MARKER = 'still holds the process open';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Interrupt = keyof typeof EXIT_CODES;

const controllers = new Set<AbortController>();
let received = 0;
let quiet = false;
let installed = false;

/**
 * The command's cancellation: the first Ctrl-C or SIGTERM aborts every operation through its signal,
 * and berth exits by itself within GRACE_MS even if an engine request never returns. A second one exits
 * at once. SIGTERM matters as much as Ctrl-C: it is what `timeout`, CI runners and init systems send.
 */
export function interruptSignal(controller = new AbortController(), opts: { quiet?: boolean } = {}): AbortSignal {
  controllers.add(controller);
  // The terminal UI shows "cancelling" itself; a line on stderr would tear its frame.
  quiet ||= Boolean(opts.quiet);
  if (received > 0) controller.abort();
  if (!installed) {
    installed = true;
    for (const name of Object.keys(EXIT_CODES) as Interrupt[]) process.on(name, () => onInterrupt(name));
  }
  return controller.signal;
}

function onInterrupt(name: Interrupt): void {
  received++;
  if (received > 1) {
    process.stderr.write(`\nberth: ${name} again: exiting now.${openWorkSuffix()}\n`);
    process.exit(EXIT_CODES[name]);
  }
  if (!quiet) process.stderr.write(`\ncancelling… (Ctrl-C again to exit now; the next run converges from here)\n`);
  for (const c of controllers) c.abort();
  // unref: a command that winds down cleanly exits long before this fires, and is not held by it.
  setTimeout(() => exitUnlessCleaning(name), GRACE_MS).unref();
}

/** After the grace: exits, unless a cleanup the command registered is still within its own bound. */
function exitUnlessCleaning(name: Interrupt): void {
  const pending = pendingCleanups();
  const left = pending ? pending.until - Date.now() : 0;
  if (pending && left > 0) {
    process.stderr.write(
      `berth: still ${pending.what.join('; ')} (up to ${Math.ceil(left / 1000)} s more; Ctrl-C again to exit now)\n`,
    );
    setTimeout(() => exitUnlessCleaning(name), Math.min(left, 10_000)).unref();
    return;
  }
  process.stderr.write(
    `\nberth: still winding down ${GRACE_MS / 1000} s after ${name}; exiting now.${openWorkSuffix()}\n`,
  );
  process.exit(EXIT_CODES[name]);
}

/**
 * Ctrl-C inside the terminal UI arrives as a key (the terminal is in raw mode), so the rest of the
 * terminal's foreground process group (make, a shell script) never hears of it. Send the group the
 * SIGINT a cooked terminal would have sent: berth's own handler cancels, and make stops as interrupted.
 */
export function interruptForegroundGroup(fallback: () => void): void {
  try {
    process.kill(0, 'SIGINT');
  } catch {
    fallback();
  }
}

/**
 * Armed when a command's work is done. Its timer is unref'd, so it fires only if something else still
 * keeps the process alive: then it names what (an engine request, a socket, a timer) and exits, so a
 * leak is reported loudly instead of a newcomer's `make deploy` waiting forever.
 */
export function reportIfLingering(): void {
  setTimeout(() => {
    process.stderr.write(
      `berth: internal error: the command finished ${LINGER_MS / 1000} s ago, but something ${LINGER_MARKER}.${openWorkSuffix()}\n  This is a bug in berth; please report it.\n`,
    );
    process.exit();
  }, LINGER_MS).unref();
}

function openWorkSuffix(): string {
  const requests = openEngineRequests();
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const handles = [...counts].map(([kind, n]) => `${kind} x${n}`).join(', ');
  return `\n  open engine requests: ${requests.length ? requests.join('; ') : 'none'}\n  active handles: ${handles || 'none'}`;
}
