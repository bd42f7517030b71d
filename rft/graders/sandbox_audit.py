"""The audit hook: a second layer inside a grading process, after the OS walls (jail, seccomp, rlimits).

Loaded by sandbox_worker.py before any grader code runs; it imports nothing from rft. An audit hook can
be bypassed by code that reaches the interpreter's internals, which is why it is never the only wall.
"""

import os

# The worker's own modules; a grader importing them could reach the sandbox's internals.
OWN_MODULES = ("rft", "sandbox_jail", "sandbox_seccomp", "sandbox_audit")


def make_hook(workdir, blocked, allowed):
    """The policy lives in this closure, not in module globals a grader could edit."""
    denied = frozenset({
        "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill", "os.killpg",
        "subprocess.Popen", "pty.spawn", "socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
        "socket.sendto", "socket.sendmsg", "ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function", "ctypes.cdata",
        "ctypes.addressof", "ctypes.string_at", "ctypes.wstring_at", "sys.setprofile", "sys.settrace",
        "os.setuid", "os.setgid", "resource.setrlimit", "signal.pthread_kill", "os.chroot", "function.__new__",
        "code.__new__",
    })
    writes = frozenset({"os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link",
                        "os.symlink", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile"})
    own_modules = frozenset(OWN_MODULES)
    under = (lambda path, roots: any(path == r or path.startswith(r + os.sep) for r in roots))
    pid = str(os.getpid())

    def real(path):
        try:
            return os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return None

    def readable(path):
        if path is None:
            return True
        if path.startswith("/proc/"):
            part = path.split("/")[2]
            return not part.isdigit() or part == pid
        return under(path, allowed) or not under(path, blocked)

    def hook(event, args):
        if event == "object.__setattr__" and not (args and args[1] in ("__code__", "__globals__", "__closure__")):
            return
        if event in ("gc.get_objects", "gc.get_referrers", "gc.get_referents"):
            raise PermissionError(f"sandbox: {event} is not allowed in a grader")
        if event in denied:
            raise PermissionError(f"sandbox: {event} is not allowed in a grader")
        if event == "import" and args and isinstance(args[0], str) and args[0].split(".")[0] in own_modules:
            raise PermissionError("sandbox: graders cannot import the rft project")
        if event == "open":
            path, mode, flags = args[0], args[1], args[2]
            if isinstance(path, int):
                return
            target = real(path)
            writing = (mode and any(c in str(mode) for c in "wax+")) or (flags and flags & (os.O_WRONLY | os.O_RDWR))
            if writing and target is not None and not under(target, [workdir]):
                raise PermissionError(f"sandbox: writing outside the work folder: {path}")
            if not readable(target):
                raise PermissionError(f"sandbox: reading {path} is not allowed")
        elif event in writes:
            for path in args[:2]:
                target = real(path) if isinstance(path, (str, bytes, os.PathLike)) else None
                if target is not None and not under(target, [workdir]):
                    raise PermissionError(f"sandbox: {event} outside the work folder: {path}")
        elif (event in ("os.listdir", "os.scandir", "os.chdir") and args and isinstance(args[0], (str, bytes))
              and not readable(real(args[0]))):
            raise PermissionError(f"sandbox: {event} {args[0]} is not allowed")

    return hook
