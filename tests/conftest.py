"""Shared fixtures: the real phenopacket archive, small real samples of it, and a CLI runner."""

from __future__ import annotations

import os
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT / "data" / "phenopacket-store-dev.tar.gz"

# Offline and quiet for every test; tools that write state get a throwaway home.
os.environ["WANDB_MODE"] = "disabled"
os.environ["RFT_NO_PROGRESS"] = "1"
# `make test` runs the tests in parallel (pytest-xdist); each worker is a process with its own Prefect home.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
TMP = Path(os.environ.get("TMPDIR", "/tmp"))
os.environ.setdefault("PREFECT_HOME", str(TMP / f"rft-test-prefect-{WORKER or 'main'}"))
if WORKER:  # one core each, and for what it starts: workers that each took every core would fight
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = "1"

# `dvc repro` runs `rft` through a shell: make the venv's scripts visible to it.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]


def pytest_collection_modifyitems(config, items):
    """Files with slow tests first. `make test` hands out whole files in this order, so each worker starts
    on a long run and the short tests fill in at the end, rather than one long run going on alone."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(scope="session")
def archive() -> Path:
    return ARCHIVE


def read_members(names_like: tuple[str, ...] = (), limit: int | None = None) -> dict[str, bytes]:
    """Real phenopacket files from the shipped archive, by substring of their path."""
    out: dict[str, bytes] = {}
    with tarfile.open(ARCHIVE, "r:gz") as tf:
        for m in sorted(tf.getmembers(), key=lambda m: m.name):
            if not m.isfile() or not m.name.endswith(".json"):
                continue
            if names_like and not any(s in m.name for s in names_like):
                continue
            out[m.name] = tf.extractfile(m).read()
            if limit and len(out) >= limit:
                break
    return out


@pytest.fixture(scope="session")
def sample_members() -> dict[str, bytes]:
    """About 40 real phenopackets across several genes, a known case, and the two Omenn genes."""
    wanted = ("/KCNT1/", "/RAG1/", "/DCLRE1C/", "/FBN1/", "/11q_terminal", "/HNRPA2B1/")
    members = read_members(wanted)
    by_folder: dict[str, dict[str, bytes]] = {}
    for name, raw in members.items():
        by_folder.setdefault(name.split("/")[-3], {})[name] = raw
    # a few per folder keeps the sample small but keeps every kind of case
    return {n: r for files in by_folder.values() for n, r in list(files.items())[:8]}


@pytest.fixture
def sample_folder(tmp_path, sample_members) -> Path:
    root = tmp_path / "ppk"
    for name, raw in sample_members.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    return root


@pytest.fixture(scope="session")
def real_cases(tmp_path_factory, archive) -> Path:
    """The whole shipped archive imported once per test session (about 7 s)."""
    from rft.data.import_phenopackets import import_phenopackets

    out = tmp_path_factory.mktemp("cases") / "cases.jsonl"
    import_phenopackets(archive, out)
    return out


@pytest.fixture(scope="session")
def real_split(tmp_path_factory, real_cases) -> Path:
    from rft.config import Params
    from rft.data.split_stage import split_files

    p = Params()
    out = tmp_path_factory.mktemp("splits")
    split_files(out, p.split, p.prompt, cases=real_cases)
    return out


@pytest.fixture
def cli(monkeypatch, capsys):
    """Run `rft ARGS` in-process; returns (exit code, stdout, stderr)."""
    from rft import cli as cli_module

    def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "argv", ["rft", *map(str, args)])
        code = 0
        try:
            cli_module.main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3 server (SeaweedFS `weed mini`) on 127.0.0.1 for the whole session."""
    from s3_server import SeaweedS3

    server = SeaweedS3(tmp_path_factory.mktemp("s3")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_env(monkeypatch, s3_server):
    """Credentials for the test server, as a user would export them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return s3_server


@pytest.fixture
def api(tmp_path):
    """The base URL of a real `rft api` app on 127.0.0.1 (tests/api_server.py)."""
    from api_server import start_api

    url, stop = start_api(tmp_path / "api")
    yield url
    stop()
