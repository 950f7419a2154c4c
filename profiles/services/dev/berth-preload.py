#!/usr/bin/python3
"""berth dev's preloading parent for a Python worker (heat-engine, say), mounted into its container in dev mode.

A worker's start-up is mostly importing: eventlet, oslo, SQLAlchemy and the clients take about two thirds of it,
the service's own package the rest. This parent imports the third-party part once, then forks the service; a
reload kills the child and forks a new one, which imports only the service's own (changed) code. The container
and its network stay up, so a reload also skips Docker's stop and start.

  berth-preload --preload eventlet,oslo_messaging,... -- heat-engine --config-file /etc/heat/heat.conf
  berth-preload --reload      (from `docker exec`: returns once the old child is gone and a new one forked)

Under uwsgi the master is that parent already: uwsgi's shared-import option imports this file in the master with
BERTH_PRELOAD_MODULES set, and the workers (lazy-apps) then import only the service's own code, also when a reload
kills them and the master forks new ones.

eventlet, when listed, is monkey-patched as soon as it is imported: the service patches at its own start, and
modules imported before that would keep the unpatched threading and socket they captured.
Nothing of the service's own package may be listed: the child would then run the code the parent loaded.
"""
import importlib
import os
import runpy
import shutil
import signal
import sys
import time

# Taken before anything is preloaded: eventlet's monkey-patching swaps os.waitpid for a polling green one, and the
# parent must neither poll nor start eventlet's hub, which every forked child would then inherit.
fork, waitpid, killpg = os.fork, os.waitpid, os.killpg

STATE = "/run/berth-preload"
PARENT_PID = os.path.join(STATE, "parent.pid")
CHILD_PID = os.path.join(STATE, "child.pid")


def write(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(value))
    os.replace(tmp, path)


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def preload(modules):
    for name in modules:
        module = importlib.import_module(name)
        if name == "eventlet":
            module.monkey_patch()


def run_child(argv):
    # The service sets its own handlers; it must not inherit the parent's.
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    path = argv[0] if os.sep in argv[0] else shutil.which(argv[0])
    if path is None:
        sys.stderr.write(f"berth-preload: {argv[0]} not found on PATH\n")
        os._exit(127)
    sys.argv = [path] + argv[1:]
    try:
        runpy.run_path(path, run_name="__main__")
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Signalled(Exception):
    """Raised from a handler: Python retries an interrupted waitpid otherwise (PEP 475), and the reload waits."""

    def __init__(self, sig):
        super().__init__(sig)
        self.sig = sig


def raise_signalled(sig, _frame):
    raise Signalled(sig)


def handle_signals(handler):
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def supervise(modules, argv):
    os.makedirs(STATE, exist_ok=True)
    preload(modules)
    handle_signals(raise_signalled)
    write(PARENT_PID, os.getpid())
    while True:
        child = fork()
        if child == 0:
            # Its own process group, so a reload also ends whatever it started.
            os.setpgid(0, 0)
            run_child(argv)
        try:
            # A reload's signal may come at any point after the fork: everything up to the wait is inside the try.
            try:
                os.setpgid(child, child)  # also here: the kill below may come before the child's own call
            except OSError:
                pass
            write(CHILD_PID, child)
            status = wait_for(child)
        except Signalled as s:
            kill_and_reap(child)
            if s.sig == signal.SIGHUP:
                continue
            sys.exit(0)
        # The service ended by itself: so does the container, as it would without the preloader.
        sys.exit(os.waitstatus_to_exitcode(status))


def wait_for(child):
    # As PID 1 the parent also inherits the service's orphans: reap them on the way, or they stay zombies.
    while True:
        try:
            pid, status = waitpid(-1, 0)
        except ChildProcessError:
            return 0
        if pid == child:
            return status


def kill_and_reap(child):
    # The workers berth preloads ignore SIGTERM (berth stops them with SIGKILL too): nothing is lost by killing.
    # Orphans it leaves in the group die with it; any already reparented to PID 1 are reaped by wait_for.
    # A second signal while reaping must not leave the child running: ignored until the child is gone.
    handle_signals(signal.SIG_IGN)
    try:
        killpg(child, signal.SIGKILL)
        waitpid(child, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    handle_signals(raise_signalled)


def reload(timeout=10.0):
    parent, old = read_int(PARENT_PID), read_int(CHILD_PID)
    if parent is None:
        sys.stderr.write("berth-preload: no preloading parent in this container\n")
        return 1
    os.kill(parent, signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = read_int(CHILD_PID)
        if new is not None and new != old:
            return 0
        time.sleep(0.01)
    sys.stderr.write(f"berth-preload: no new child within {timeout:.0f} s\n")
    return 1


def main(args):
    if args == ["--reload"]:
        return reload()
    if len(args) >= 3 and args[0] == "--preload" and "--" in args:
        split = args.index("--")
        modules = [m for m in args[1].split(",") if m]
        return supervise(modules, args[split + 1 :])
    sys.stderr.write("usage: berth-preload --preload MOD,MOD... -- COMMAND ARGS... | berth-preload --reload\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
elif os.environ.get("BERTH_PRELOAD_MODULES"):
    # Imported by a uwsgi master (shared-import): the workers it forks, and respawns on a reload, inherit these.
    preload([m for m in os.environ["BERTH_PRELOAD_MODULES"].split(",") if m])
