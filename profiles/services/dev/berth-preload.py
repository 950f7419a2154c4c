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
The service's own package (heat) may be listed only when it is a checkout's (BERTH_RECORD_PACKAGES names it): the
parent then notes when each of its modules was imported, and each new child first drops the modules a save changed
and every module imported after the first of those began, so it runs the code on disk. Otherwise a child would run
the code the parent loaded.

With BERTH_RECORD_PACKAGES (the checkout's package, say heat) each process of the service appends the name of every
module of those packages it imports, as it starts importing it, to BERTH_RECORD_DIR/<pid>: berth dev reads these
to leave alone a service that never loaded a changed module (heat-api does not import heat.engine.service). A module
not yet imported is read from disk when it is, so a record only ever needs what was imported before the save.
"""
import importlib
import itertools
import os
import pkgutil
import runpy
import shutil
import signal
import sys
import time

# Taken before anything is preloaded: eventlet's monkey-patching swaps os.waitpid for a polling green one, and the
# parent must neither poll nor start eventlet's hub, which every forked child would then inherit.
fork, waitpid, killpg = os.fork, os.waitpid, os.killpg

STATE = "/run/berth-preload"
RECORD_DIR = os.environ.get("BERTH_RECORD_DIR", os.path.join(STATE, "modules"))
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


class ImportRecorder:
    """A finder that finds nothing: it is asked first for each module not yet in sys.modules, so it sees every
    first import (before the module's file is read) and leaves the finding to the finders after it."""

    def __init__(self, packages):
        self.packages = frozenset(packages)
        self.pid = None
        self.out = None

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.packages:
            self.record(name)
        return None

    def record(self, name):
        # A forked child (uwsgi's workers, the preloader's engine) inherits the finder: it writes a file of its own.
        if os.getpid() != self.pid:
            self.open()
        if self.out is not None:
            self.out.write(name + "\n")

    def open(self):
        """This process's record, starting with what it already holds (from a parent, or imported before)."""
        self.pid = os.getpid()
        try:
            os.makedirs(RECORD_DIR, exist_ok=True)
            self.out = open(os.path.join(RECORD_DIR, str(self.pid)), "a", buffering=1)
        except OSError as e:
            # berth can then not tell this process's imports: it restarts the service on every save unless
            # another process recorded (they all run as one user, so all fail alike).
            sys.stderr.write(f"berth-preload: not recording imports: {e}\n")
            self.out = None
            return
        for held in list(sys.modules):
            if held.partition(".")[0] in self.packages:
                self.out.write(held + "\n")


def own_packages():
    return [p for p in os.environ.get("BERTH_RECORD_PACKAGES", "").split(",") if p]


def record_imports():
    packages = own_packages()
    if packages:
        recorder = ImportRecorder(packages)
        recorder.open()
        sys.meta_path.insert(0, recorder)


def forget_record(pid):
    try:
        os.unlink(os.path.join(RECORD_DIR, str(pid)))
    except OSError:
        pass


class ImportSpans:
    """In the parent, for the service's own packages: when each module's import began and ended (one counter for
    both) and its file's size and mtime then. A child drops every module whose file changed since, and every module
    whose import ended after the first of those began: only those can hold a name taken from a changed one."""

    def __init__(self, packages):
        self.packages = frozenset(packages)
        self.clock = itertools.count()
        self.spans = {}

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] not in self.packages:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None) if finder is not self else None
            spec = find(name, path, target) if find else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        origin = spec.origin if spec.has_location else None
        run = loader.exec_module

        def timed(module):
            del loader.exec_module  # back to the loader's own method (each spec has a loader of its own)
            begun = next(self.clock)
            stat = file_stat(origin)
            run(module)
            self.spans[name] = (begun, next(self.clock), origin, stat)

        loader.exec_module = timed
        return spec


def file_stat(path):
    try:
        st = os.stat(path)
        return (st.st_mtime_ns, st.st_size)
    except (OSError, TypeError):
        return None


def drop_stale(spans):
    """In a new child: out of sys.modules with every own module a save made stale (see ImportSpans); the service's
    own imports then load them again from disk. Returns how many were dropped."""
    begins = [b for b, _, origin, stat in spans.values() if origin is not None and file_stat(origin) != stat]
    if not begins:
        return 0
    first = min(begins)
    stale = {n: sys.modules.pop(n) for n, (_, ended, _, _) in spans.items() if ended > first and n in sys.modules}
    for name, module in stale.items():
        parent, _, attr = name.rpartition(".")
        # `from heat.engine import service` takes the package's attribute when it has one, not sys.modules'.
        if parent in sys.modules and getattr(sys.modules[parent], attr, None) is module:
            delattr(sys.modules[parent], attr)
    return len(stale)


def preload(modules, spans=None):
    """Imports each module; `pkg.*` is a package and every module under it (heat's resource plugins, which the
    engine would otherwise load at its start). A module of that walk that fails to import is left to the service."""
    if spans is not None:
        sys.meta_path.insert(0, spans)
    try:
        for name in modules:
            walk = name.endswith(".*")
            module = importlib.import_module(name[:-2] if walk else name)
            if name == "eventlet":
                module.monkey_patch()
            if walk:
                for info in pkgutil.walk_packages(module.__path__, module.__name__ + ".", onerror=lambda _: None):
                    try:
                        importlib.import_module(info.name)
                    except Exception:
                        pass
    finally:
        if spans is not None:
            sys.meta_path.remove(spans)


def run_child(argv, spans=None):
    # The service sets its own handlers; it must not inherit the parent's.
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    path = argv[0] if os.sep in argv[0] else shutil.which(argv[0])
    if path is None:
        sys.stderr.write(f"berth-preload: {argv[0]} not found on PATH\n")
        os._exit(127)
    sys.argv = [path] + argv[1:]
    if spans is not None:
        drop_stale(spans.spans)
    record_imports()
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
    # Only a checkout's package can change under the service; modules of it preloaded here are tracked for that.
    packages = own_packages()
    spans = ImportSpans(packages) if packages else None
    preload(modules, spans)
    handle_signals(raise_signalled)
    write(PARENT_PID, os.getpid())
    while True:
        child = fork()
        if child == 0:
            # Its own process group, so a reload also ends whatever it started.
            os.setpgid(0, 0)
            run_child(argv, spans)
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
            # What the old engine imported says nothing about the new one, which starts recording afresh.
            forget_record(child)
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
elif os.environ.get("BERTH_PRELOAD_MODULES") or os.environ.get("BERTH_RECORD_PACKAGES"):
    # Imported by a uwsgi master (shared-import): the workers it forks, and respawns on a reload, inherit these.
    preload([m for m in os.environ.get("BERTH_PRELOAD_MODULES", "").split(",") if m])
    record_imports()
