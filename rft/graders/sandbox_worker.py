"""A sandbox worker: a supervisor that talks to the parent, and a grading process per batch.

Started by rft/graders/sandbox.py as `unshare ... python -I -B sandbox_worker.py CONFIG_JSON`, so it is
the first process of new user, mount, PID, network, IPC and UTS namespaces. It imports nothing from rft.

The supervisor (trusted code; no user code ever runs in it):
1. preloads the libraries graders may use, builds a new root (sandbox_jail.py: the Python runtime
   read-only, a private work tmpfs, no /proc), makes itself undumpable and forks the zygote, which
   will fork the grading processes; only then does it read the per-worker secret from stdin, so no
   grading process ever holds it in memory;
2. per batch, has the zygote fork a grading process holding the tasks, receives the read end of that
   process's private answer pipe, checks each answer (the task it answers, one bounded JSON line, a
   finite reward in range) and passes it on tagged with an HMAC, under the secret, of the request id,
   the task id and the answer; then has the zygote kill the process.
A grading process drops every capability, installs the seccomp filter (sandbox_seccomp.py), sets its
rlimits (memory, CPU, open files, threads, file size), arms the audit hook (sandbox_audit.py, a second
layer only), runs the grader's source and grades its tasks. It ends with its batch, so nothing it
started outlives it.

Protocol with the parent, one JSON object per line:
  first line in: {"secret": hex}                  out: {"ready": true, "isolation": {...}}
  (the secret line is read after the zygote is forked)
  {"op": "load", "source": str}                   -> {"ok": true} | {"error": str}
  {"op": "grade", "request": int, "cpu_seconds": float, "tasks": [{"id", "sample", "item"}]}
      -> per task, in order: {"request", "id", "reward"} | {"request", "id", "error", "kind"}, with "tag"
"""

import hashlib
import hmac
import io
import json
import math
import os
import resource
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sandbox_audit
import sandbox_jail
import sandbox_seccomp

sys.path = [p for p in sys.path if os.path.abspath(p) != HERE]
CONFIG = json.loads(sys.argv[1])
WORKDIR = "/grader-work" if CONFIG["isolation"] == "os" else os.path.realpath(CONFIG["workdir"])
MAX_ANSWER = 8192  # bytes of one answer line from a grading process
LOW, HIGH = CONFIG.get("range", (0.0, 1.0))
SECCOMP = os.uname().machine in sandbox_seccomp.ARCHES  # the filter is written for these


class GradeTimeout(BaseException):
    """CPU time ran out (BaseException so `except Exception` in user code does not swallow it)."""


# ---- the grading process ------------------------------------------------------------------------------

def _on_cpu_timer(signum, frame):
    raise GradeTimeout()


def _answer(task_id, value, started):
    if isinstance(value, (bool, int)) and not isinstance(value, float):
        try:
            value = float(value)
        except OverflowError:
            pass
    if not isinstance(value, float) or not math.isfinite(value):
        try:
            shown = repr(value)[:200]
        except Exception:  # noqa: BLE001 - a value that cannot even be shown (an int of 5,000 digits)
            shown = f"a {type(value).__name__}"
        return {"i": task_id, "kind": "value", "error": f"grade returned {shown}, not a finite number"}
    if not LOW <= value <= HIGH:
        return {"i": task_id, "kind": "value", "error": f"grade returned {value!r}, outside [{LOW:g}, {HIGH:g}]"}
    return {"i": task_id, "reward": float(value), "seconds": time.perf_counter() - started}


def grade_one(grade, task, cpu_seconds):
    sys.stdout = sys.stderr = io.StringIO()
    signal.setitimer(signal.ITIMER_VIRTUAL, cpu_seconds)
    started = time.perf_counter()
    try:
        value = grade(task["sample"], task["item"])
    except GradeTimeout:
        return {"i": task["id"], "kind": "timeout", "error": f"CPU time limit of {cpu_seconds:g}s reached"}
    except MemoryError:
        return {"i": task["id"], "kind": "memory", "error": "memory limit reached (MemoryError)"}
    except BaseException as err:  # noqa: BLE001 - the user's code may raise anything
        frames = traceback.extract_tb(err.__traceback__)
        where = next((f"line {f.lineno}" for f in reversed(frames) if f.filename == "<grader>"), "")
        return {"i": task["id"], "kind": "exception",
                "error": f"{type(err).__name__}: {str(err)[:1000]}" + (f" ({where})" if where else "")}
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    return _answer(task["id"], value, started)


def _vm_bytes():
    """Address space in use now (read before the new root, which has no /proc)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _limit(which, value):
    resource.setrlimit(which, (value, value))


def enter_walls(answer_fd, cpu_total):
    """Inside the freshly forked grading process, before any user code."""
    os.closerange(3, answer_fd)
    os.closerange(answer_fd + 1, 1 << 16)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    memory = CONFIG["memory_bytes"]
    if memory:
        _limit(resource.RLIMIT_AS, CONFIG["base_vm"] + memory)
    if CONFIG["disk_bytes"]:
        _limit(resource.RLIMIT_FSIZE, CONFIG["disk_bytes"])
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, 256)
    _limit(resource.RLIMIT_NPROC, 64)
    resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_total) + 5, int(cpu_total) + 5))
    if CONFIG["isolation"] == "os":
        sandbox_seccomp.drop_capabilities()
        if SECCOMP:
            sandbox_seccomp.install_filter()
    else:  # the weaker mode keeps what needs no namespace
        for wall in (sandbox_seccomp.drop_capabilities, sandbox_seccomp.install_filter):
            try:
                wall()
            except (OSError, sandbox_seccomp.SeccompUnavailable):
                pass
    signal.signal(signal.SIGVTALRM, _on_cpu_timer)
    sys.stdout = sys.stderr = io.StringIO()
    sys.stdin = io.StringIO()


def grading_process(code, tasks, cpu_seconds, answer_fd):
    """Run the grader's source, then grade `tasks` (or, with none, only load); never returns."""
    status = 0
    try:
        enter_walls(answer_fd, cpu_seconds * max(1, len(tasks)))
        out = os.fdopen(answer_fd, "w", encoding="utf-8")
        if CONFIG.get("audit_hook", True):
            sys.addaudithook(sandbox_audit.make_hook(WORKDIR, CONFIG["blocked_roots"], CONFIG["allowed_roots"]))
        namespace = {"__name__": "grader"}
        try:
            exec(code, namespace)  # noqa: S102 - running the grader's code is the point
            grade = namespace["grade"]
        except BaseException as err:  # noqa: BLE001
            out.write(json.dumps({"load_error": f"{type(err).__name__}: {str(err)[:1000]}"}) + "\n")
            out.flush()
            os._exit(0)
        if not tasks:
            out.write(json.dumps({"loaded": True}) + "\n")
        for task in tasks:
            out.write(json.dumps(grade_one(grade, task, cpu_seconds)) + "\n")
            out.flush()
        out.flush()
    except BaseException:  # noqa: BLE001 - a failure here is reported by the supervisor as a dead process
        status = 3
    os._exit(status)


# ---- the zygote: forks grading processes; forked before the secret exists -------------------------------

def zygote(channel):
    """Serve the supervisor over `channel` (a socketpair end): load code, start and end grading processes."""
    import socket
    code, child = None, None
    reader = channel.makefile("rb")
    for line in reader:
        message = json.loads(line)
        if message["op"] == "load":
            try:
                code = compile(message["source"], "<grader>", "exec")
                reply = {"ok": True}
            except (SyntaxError, ValueError) as err:
                reply = {"error": f"{type(err).__name__}: {err}"}
            channel.sendall((json.dumps(reply) + "\n").encode())
        elif message["op"] == "start":
            read_fd, write_fd = os.pipe()
            child = os.fork()
            if child == 0:
                os.close(read_fd)
                reader.close()
                channel.close()
                grading_process(code, message["tasks"], message["cpu_seconds"], write_fd)
            os.close(write_fd)
            socket.send_fds(channel, [json.dumps({"pid": child}).encode() + b"\n"], [read_fd])
            os.close(read_fd)
        elif message["op"] == "end":
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(child, 0)
            channel.sendall((json.dumps({"status": status}) + "\n").encode())
    os._exit(0)


# ---- the supervisor -----------------------------------------------------------------------------------

class Supervisor:
    def __init__(self, proto, channel):
        self.proto = proto
        self.channel = channel
        self.replies = b""
        self.secret = b""

    def send(self, message: dict) -> None:
        if "request" in message:
            body = json.dumps(message, sort_keys=True)
            message = {**message, "tag": hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()}
        self.proto.write(json.dumps(message) + "\n")
        self.proto.flush()

    def ask(self, message: dict, with_fd: bool = False):
        import socket
        self.channel.sendall((json.dumps(message) + "\n").encode())
        fds = []
        while b"\n" not in self.replies:
            if with_fd and not fds:
                data, fds, _, _ = socket.recv_fds(self.channel, 1 << 16, 1)
            else:
                data = self.channel.recv(1 << 16)
            if not data:
                raise SystemExit("the zygote ended")
            self.replies += data
        line, self.replies = self.replies.split(b"\n", 1)
        return (json.loads(line), fds[0]) if with_fd else json.loads(line)

    @staticmethod
    def _lines(fd):
        """Answer lines from a grading process, each bounded; b"" at the end, None for an overlong line."""
        buffer = b""
        while True:
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line
            if len(buffer) > MAX_ANSWER:
                yield None
                return
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                yield b""
                return
            buffer += chunk

    @staticmethod
    def _why_died(status):
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            why = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed (out of memory?)", "SIGSEGV": "crashed",
                   "SIGSYS": "a forbidden system call"}.get(name, "")
            return f"grading process ended by {name}" + (f": {why}" if why else "")
        return f"grading process exited with code {os.WEXITSTATUS(status)}"

    def load(self, source):
        compiled = self.ask({"op": "load", "source": source})
        if "error" in compiled:
            return self.send({"error": compiled["error"]})
        _, fd = self.ask({"op": "start", "tasks": [], "cpu_seconds": 5.0}, with_fd=True)
        first = next(self._lines(fd))
        os.close(fd)
        status = self.ask({"op": "end"})["status"]
        try:
            message = json.loads(first) if first else {}
        except ValueError:
            message = {}
        if message.get("loaded") is True:
            self.send({"ok": True})
        elif isinstance(message.get("load_error"), str):
            self.send({"error": message["load_error"][:2000]})
        else:
            self.send({"error": self._why_died(status) + " while loading"})

    def grade(self, request, tasks, cpu_seconds):
        pending = list(tasks)
        while pending:
            _, fd = self.ask({"op": "start", "cpu_seconds": cpu_seconds,
                              "tasks": [{"id": n, "sample": t["sample"], "item": t["item"]}
                                        for n, t in enumerate(pending)]}, with_fd=True)
            done, problem = 0, None
            for line in self._lines(fd):
                if not line:
                    problem = None if line == b"" else f"an answer longer than {MAX_ANSWER} bytes"
                    break
                checked = self._check(line, done)
                if isinstance(checked, str):
                    problem = checked
                    break
                self.send({"request": request, "id": pending[done]["id"], **checked})
                done += 1
                if done == len(pending):
                    break
            os.close(fd)
            status = self.ask({"op": "end"})["status"]
            if done < len(pending):
                why = f"protocol violation: {problem}" if problem else self._why_died(status)
                self.send({"request": request, "id": pending[done]["id"], "kind": "died", "error": why})
                done += 1
            pending = pending[done:]

    @staticmethod
    def _check(line, expected):
        """An answer from the grading process as a dict to pass on, or why it is refused."""
        try:
            message = json.loads(line)
        except ValueError:
            return "an answer that is not JSON"
        if not isinstance(message, dict) or message.get("i") != expected:
            return "an answer to another task"
        if "reward" in message:
            reward = message["reward"]
            if type(reward) is not float or not math.isfinite(reward) or not LOW <= reward <= HIGH:
                return "a reward that is not a finite number in range"
            seconds = message.get("seconds")
            return {"reward": reward, "seconds": float(seconds) if type(seconds) is float else 0.0}
        if isinstance(message.get("error"), str) and message.get("kind") in ("timeout", "memory", "exception", "value"):
            return {"kind": message["kind"], "error": message["error"][:2000]}
        return "an answer with neither a reward nor an error"


def setup():
    import socket
    for name in CONFIG.get("preload", []):
        try:
            __import__(name)
        except Exception:  # noqa: BLE001, S110 - a missing optional library is the grader's problem, later
            pass
    CONFIG["base_vm"] = _vm_bytes()
    isolation = {"mode": CONFIG["isolation"], "namespaces": False, "seccomp": SECCOMP}
    if CONFIG["isolation"] == "os":
        sandbox_jail.build_root(CONFIG["workdir"], CONFIG["read_only"], CONFIG["disk_bytes"] // (1 << 20))
        isolation["namespaces"] = True
    else:
        os.chdir(WORKDIR)
    sandbox_seccomp.not_dumpable()
    mine, theirs = socket.socketpair()
    if os.fork() == 0:  # the zygote: no protocol pipes, and no secret (it is read after this fork)
        mine.close()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        zygote(theirs)
    theirs.close()
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    supervisor = Supervisor(proto, mine)
    supervisor.secret = bytes.fromhex(json.loads(sys.stdin.buffer.readline())["secret"])
    return supervisor, isolation


def main():
    supervisor, isolation = setup()
    supervisor.send({"ready": True, "isolation": isolation})
    for line in sys.stdin.buffer:
        message = json.loads(line)
        if message["op"] == "load":
            supervisor.load(message["source"])
        elif message["op"] == "grade":
            supervisor.grade(message["request"], message["tasks"], message["cpu_seconds"])


if __name__ == "__main__":
    main()
