"""A persistent worker that runs user `grade(sample, item)` code under limits.

Started by rft/graders/sandbox.py as `python -I sandbox_worker.py CONFIG_JSON`, in a temporary
folder, with an almost empty environment. It imports nothing from rft. Layers, outermost first:
- rlimits: address space (memory), file size (disk), CPU seconds (the kernel ends a runaway);
- a CPU timer that raises inside the user's code, so an endless loop is an error, not a crash;
- a network namespace of its own when the kernel allows one (then no network exists at all);
- an audit hook (PEP 578) that refuses processes, sockets, ctypes, writes outside the work folder,
  reads of the project and of other processes, and importing rft.
The parent enforces wall-clock time and replaces a worker that dies. Audit hooks are defence in
depth, not a security boundary against hostile native code: run untrusted graders in a container.

Protocol: one JSON object per line on stdin; one per line on the saved stdout.
  {"op": "load", "source": str}           -> {"ok": true} | {"error": str}
  {"op": "grade", "tasks": [{"id", "sample", "item"}]} -> one {"id", "reward"} | {"id", "error", "kind"} per task
"""

import ctypes
import io
import json
import math
import os
import resource
import signal
import sys
import time
import traceback

sys.path = [p for p in sys.path if os.path.abspath(p) != os.path.dirname(os.path.abspath(__file__))]
CONFIG = json.loads(sys.argv[1])
WORKDIR = os.path.realpath(CONFIG["workdir"])
BLOCKED = [os.path.realpath(p) for p in CONFIG["blocked_roots"]]
ALLOWED = [os.path.realpath(p) for p in CONFIG["allowed_roots"]] + [WORKDIR]
PID = str(os.getpid())


class GradeTimeout(BaseException):
    """CPU time ran out (BaseException so `except Exception` in user code does not swallow it)."""


def _under(path, roots):
    return any(path == r or path.startswith(r + os.sep) for r in roots)


def _real(path):
    try:
        return os.path.realpath(os.fsdecode(path)) if not isinstance(path, int) else None
    except (TypeError, ValueError):
        return None


def _readable(path):
    if path is None:
        return True
    if path.startswith("/proc/"):
        part = path.split("/")[2]
        return not part.isdigit() or part == PID
    return _under(path, ALLOWED) or not _under(path, BLOCKED)


DENIED_EVENTS = {
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill", "os.killpg",
    "subprocess.Popen", "pty.spawn", "socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
    "socket.sendto", "socket.sendmsg", "ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function",
    "ctypes.cdata", "ctypes.addressof", "ctypes.string_at", "ctypes.wstring_at", "winreg.OpenKey", "sys.setprofile", "sys.settrace",
    "os.setuid", "os.setgid", "resource.setrlimit", "signal.pthread_kill", "os.chroot",
}
WRITE_EVENTS = {"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link",
                "os.symlink", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile"}


def _hook(event, args):
    if event == "resource.setrlimit" and sys._getframe(1).f_code is run_one.__code__:
        return  # the worker re-arms its own CPU limit per grading; user code may not touch limits
    if event in DENIED_EVENTS:
        raise PermissionError(f"sandbox: {event} is not allowed in a grader")
    if event == "import" and args and isinstance(args[0], str) and (args[0] == "rft" or args[0].startswith("rft.")):
        raise PermissionError("sandbox: graders cannot import the rft project")
    if event == "open":
        path, mode, flags = args[0], args[1], args[2]
        if isinstance(path, int):
            return
        real = _real(path)
        writing = (mode and any(c in str(mode) for c in "wax+")) or (flags and flags & (os.O_WRONLY | os.O_RDWR))
        if writing and real is not None and not _under(real, [WORKDIR]):
            raise PermissionError(f"sandbox: writing outside the work folder: {path}")
        if not _readable(real):
            raise PermissionError(f"sandbox: reading {path} is not allowed")
    elif event in WRITE_EVENTS:
        for path in args[:2]:
            real = _real(path) if isinstance(path, (str, bytes, os.PathLike)) else None
            if real is not None and not _under(real, [WORKDIR]):
                raise PermissionError(f"sandbox: {event} outside the work folder: {path}")
    elif (event in ("os.listdir", "os.scandir", "os.chdir") and args and isinstance(args[0], (str, bytes))
          and not _readable(_real(args[0]))):
        raise PermissionError(f"sandbox: {event} {args[0]} is not allowed")


def _isolate_network():
    """A private network namespace (no interfaces but a down loopback), where the kernel allows it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        for flags in (0x40000000, 0x10000000 | 0x40000000):  # CLONE_NEWNET; with CLONE_NEWUSER if unprivileged
            if libc.unshare(flags) == 0:
                return True
    except OSError:
        pass
    return False


def _vm_bytes():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _on_cpu_timer(signum, frame):
    raise GradeTimeout()


def setup():
    os.chdir(WORKDIR)
    network_isolated = _isolate_network()
    for name in CONFIG.get("preload", []):
        try:
            __import__(name)
        except Exception:  # noqa: BLE001, S110 - a missing optional library is the grader's problem, later
            pass
    memory = CONFIG["memory_bytes"]
    if memory:
        limit = _vm_bytes() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    disk = CONFIG["disk_bytes"]
    if disk:
        resource.setrlimit(resource.RLIMIT_FSIZE, (disk, disk))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGVTALRM, _on_cpu_timer)
    # The protocol keeps the real stdout; anything the user's code prints goes nowhere.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = io.StringIO()
    sys.addaudithook(_hook)
    return proto, network_isolated


def run_one(grade, task, cpu_seconds):
    used = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    # hard backstop: the kernel ends the worker if the timer exception is swallowed
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = int(used + cpu_seconds + 2)
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    sys.stdout = sys.stderr = io.StringIO()
    signal.setitimer(signal.ITIMER_VIRTUAL, cpu_seconds)
    started = time.perf_counter()
    try:
        value = grade(task["sample"], task["item"])
    except GradeTimeout:
        return {"id": task["id"], "kind": "timeout", "error": f"CPU time limit of {cpu_seconds:g}s reached"}
    except MemoryError:
        return {"id": task["id"], "kind": "memory", "error": "memory limit reached (MemoryError)"}
    except BaseException as err:  # noqa: BLE001 - the user's code may raise anything
        frames = traceback.extract_tb(err.__traceback__)
        where = next((f"line {f.lineno}" for f in reversed(frames) if f.filename == "<grader>"), "")
        return {"id": task["id"], "kind": "exception",
                "error": f"{type(err).__name__}: {err}" + (f" ({where})" if where else "")}
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    if isinstance(value, bool):
        value = float(value)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return {"id": task["id"], "kind": "value", "error": f"grade returned {value!r}, not a finite number"}
    return {"id": task["id"], "reward": float(value), "seconds": time.perf_counter() - started}


def main():
    proto, network_isolated = setup()
    proto.write(json.dumps({"ready": True, "network_isolated": network_isolated}) + "\n")
    proto.flush()
    grade = None
    for line in sys.stdin:
        message = json.loads(line)
        if message["op"] == "load":
            namespace = {"__name__": "grader"}
            try:
                exec(compile(message["source"], "<grader>", "exec"), namespace)  # noqa: S102 - the point
                grade = namespace["grade"]
                proto.write(json.dumps({"ok": True}) + "\n")
            except BaseException as err:  # noqa: BLE001
                proto.write(json.dumps({"error": f"{type(err).__name__}: {err}"}) + "\n")
        elif message["op"] == "grade":
            for task in message["tasks"]:
                proto.write(json.dumps(run_one(grade, task, message["cpu_seconds"])) + "\n")
                proto.flush()
        proto.flush()


if __name__ == "__main__":
    main()
