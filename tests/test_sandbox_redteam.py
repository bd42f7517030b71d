"""Red-team tests of the python-grader sandbox: real attacks, run in real sandbox workers.

Every attack returns 1.0 when it got out and 0.0 when the wall it hit answered with an OS error;
anything else it raises is flagged, so a broken attack cannot pass for a contained one. Most attacks
run twice: with the audit hook (both layers) and without it, to show that the OS walls hold alone.
Each attack is also run once outside the sandbox, in a plain interpreter, to show that it does get
out there: a wall is only shown to hold against an attack that works.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rft.graders import build_grader, grade_batch, parse_grader
from rft.graders.python_grader import PythonGrader
from rft.graders.sandbox import (
    PROJECT_ROOT,
    SandboxLimits,
    SandboxUnavailable,
    check_isolation,
    namespaces_work,
)
from rft.graders.schema import PythonConfig

pytestmark = pytest.mark.skipif(namespaces_work() is not None, reason=f"no user namespaces: {namespaces_work()}")

ATTACKS = (Path(__file__).parent / "sandbox_attacks.py").read_text()

HONEST = "def grade(sample, item):\n    return 0.25\n"
LIMITS = {"timeout_seconds": 6, "cpu_seconds": 2, "memory_mb": 512, "disk_mb": 64}


@pytest.fixture(scope="module", params=[True, False], ids=["hook+os", "os-alone"])
def attacker(request):
    g = PythonGrader(PythonConfig(type="python", name="attacker", source=ATTACKS),
                     SandboxLimits(**LIMITS, audit_hook=request.param), workers=1)
    yield g
    g.close()


@pytest.fixture(scope="module")
def canaries():
    """A secret in this process's environment and in files of the project, the home folder and /tmp."""
    value = "canary-" + secrets.token_hex(8)
    files = [PROJECT_ROOT / f".canary-{value}", Path.home() / f".canary-{value}", Path("/tmp") / f"canary-{value}"]
    os.environ["RFT_CANARY"] = value
    for path in files:
        path.write_text(value)
    yield {"canary": value, "files": [str(p) for p in files]}
    os.environ.pop("RFT_CANARY", None)
    for path in files:
        path.unlink(missing_ok=True)


def attack(grader, name: str, **item):
    return grade_batch(grader, ["x"], [{"attack": name, **item}])[0]


def outside(name: str, **item) -> float:
    """The same attack in a plain interpreter, a child of this process: what it does with no sandbox."""
    code = ATTACKS + f"\nprint(grade(None, json.loads({json.dumps(json.dumps({'attack': name, **item}))})))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def contained(result) -> bool:
    """Reward 0 from a wall's OS error, or the grading flagged by the sandbox; never an escape."""
    return result.reward == 0.0


@pytest.mark.parametrize("name", ["env_canary", "proc_dir_fd", "file_canary"])
def test_secrets_of_the_parent_do_not_reach_the_grader(attacker, canaries, name):
    assert outside(name, **canaries) == 1.0  # with no sandbox the attack finds the canary
    result = attack(attacker, name, **canaries)
    assert contained(result) and result.ok, result.errors


@pytest.mark.parametrize("name", ["write_outside", "rename_outside", "run_shell", "fork_exec", "switch_hook_off"])
def test_nothing_is_written_or_run_outside_the_sandbox(attacker, tmp_path, name):
    target = tmp_path / f"{name}.txt"
    assert outside(name, target=str(tmp_path / "control.txt")) == 1.0 and (tmp_path / "control.txt").exists()
    result = attack(attacker, name, target=str(target))
    assert contained(result), result.errors
    assert not target.exists()


@pytest.mark.parametrize("name", ["raw_fork", "new_namespace", "mount_proc", "trace_the_supervisor"])
def test_kernel_walls_refuse_processes_namespaces_mounts_and_tracing(attacker, name):
    result = attack(attacker, name)
    assert contained(result), result.errors


def test_the_network_of_the_host_is_unreachable(attacker):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert outside("connect_home", port=port) == 1.0
        server.settimeout(0.1)
        server.accept()[0].close()
        assert contained(attack(attacker, "connect_home", port=port))


def test_signals_reach_only_the_grading_process(attacker):
    assert contained(attack(attacker, "signal_the_others"))
    assert attack(attacker, "value", v=0.75).reward == 0.75  # the supervisor and zygote live on


@pytest.mark.parametrize("name", ["forge_everywhere", "inject_stdin"])
def test_one_grader_cannot_forge_anothers_rewards_or_reprogram_its_workers(name):
    """Forged answers on every descriptor and /proc/*/fd, and grader code written into stdins."""
    config = parse_grader({"type": "multi", "name": "both", "calculate_output": "honest + hostile", "graders": {
        "honest": {"type": "python", "name": "honest", "source": HONEST},
        "hostile": {"type": "python", "name": "hostile", "source": ATTACKS}}}, "test")
    grader = build_grader(config, sandbox=SandboxLimits(**LIMITS, audit_hook=False), workers=1)
    try:
        results = grade_batch(grader, ["x"] * 4, [{"attack": name}] * 4)
        again = grade_batch(grader, ["x"] * 2, [{"attack": "value", "v": 0.5}] * 2)
    finally:
        grader.close()
    assert [r.sub_rewards["hostile"] for r in again] == [0.5, 0.5]  # its own workers run its own code still
    # Its forged lines reach only its own answer pipe: it can set its own rewards (as returning them
    # would), never the honest grader's.
    assert [r.sub_rewards["honest"] for r in results] == [0.25] * 4


def test_a_thread_left_running_cannot_answer_for_a_later_batch(attacker):
    attack(attacker, "linger")  # its thread writes forged answers for 30 s (within its own batch, they count)
    later = grade_batch(attacker, ["x"] * 6, [{"attack": "value", "v": v} for v in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)])
    assert [r.reward for r in later] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6] and all(r.ok for r in later)


def test_protocol_garbage_flags_that_sample_only(attacker):
    results = grade_batch(attacker, ["x"] * 3, [{"attack": "value", "v": 0.3}, {"attack": "garbage"},
                                                {"attack": "value", "v": 0.6}])
    assert results[0].reward == 0.3 and results[2].reward == 0.6
    assert results[1].reward == 0.0 and not results[1].ok
    assert "protocol violation" in results[1].error_flags()["python_grader_runtime_error_details"]


@pytest.mark.parametrize("name, why", [("nan", "not a finite number"), ("huge_int", "not a finite number"),
                                       ("out_of_range", "outside [0, 1]")])
def test_rewards_must_be_finite_and_in_range(attacker, name, why):
    result = attack(attacker, name)
    assert result.reward == 0.0 and why in result.error_flags()["python_grader_runtime_error_details"]


@pytest.mark.parametrize("name", ["memory_bomb", "thread_bomb", "fd_bomb", "disk_bomb", "ignore_timers_and_spin",
                                  "stop_myself"])
def test_resource_bombs_and_signals_end_in_a_flag_and_the_pool_goes_on(attacker, name):
    assert contained(attack(attacker, name))
    assert attack(attacker, "value", v=0.5).reward == 0.5


def test_a_forged_answer_without_the_workers_tag_is_refused(attacker):
    from rft.graders.sandbox import ProtocolError

    worker = attacker.pool._take()
    try:
        worker.buffer = json.dumps({"request": worker.request, "id": 0, "reward": 1.0, "tag": "0" * 64}).encode() + b"\n"
        with pytest.raises(ProtocolError, match="tag"):
            worker.answer(0, 5, 0.0, 1.0)
    finally:
        attacker.pool._discard(worker)


def test_the_grader_sees_a_root_of_its_own():
    """The runtime, read-only; no project, no /proc, /sys or /etc of the host; its own writable folder."""
    source = textwrap.dedent("""
        import os, sys
        def grade(s, i):
            hidden = [i["project"], "/proc/1", "/sys/kernel", "/etc/passwd", "/etc/hostname"]
            if any(os.path.exists(p) for p in hidden) or not os.path.isdir(sys.prefix):
                return 0.0
            try:
                open(os.path.join(sys.prefix, "planted"), "w")
                return 0.0
            except OSError:
                pass
            with open("scratch", "w") as fh:
                fh.write("ok")
            return 1.0
    """)
    grader = PythonGrader(PythonConfig(type="python", name="look", source=source), SandboxLimits(**LIMITS), workers=1)
    try:
        result = grade_batch(grader, ["x"], [{"project": str(PROJECT_ROOT / "pyproject.toml")}])[0]
        assert result.ok and result.reward == 1.0
        assert grader.pool.isolation == {"mode": "os", "namespaces": True, "seccomp": True}
    finally:
        grader.close()


def test_without_namespaces_the_pool_refuses_unless_weak_mode_is_named(monkeypatch):
    monkeypatch.setattr("rft.graders.sandbox.namespaces_work", lambda: "Operation not permitted")
    with pytest.raises(SandboxUnavailable, match="RFT_SANDBOX=weak"):
        check_isolation(SandboxLimits())
    monkeypatch.setenv("RFT_SANDBOX", "weak")
    assert check_isolation(SandboxLimits()) == "weak"


def test_the_named_weak_mode_grades_with_seccomp_and_rlimits_but_no_namespaces(monkeypatch):
    monkeypatch.setenv("RFT_SANDBOX", "weak")
    grader = PythonGrader(PythonConfig(type="python", name="weak", source=ATTACKS),
                          SandboxLimits(**LIMITS, audit_hook=False), workers=1)
    try:
        assert attack(grader, "value", v=0.5).reward == 0.5
        assert grader.pool.isolation == {"mode": "weak", "namespaces": False, "seccomp": True}
        assert contained(attack(grader, "raw_fork"))  # seccomp still refuses process creation
    finally:
        grader.close()
