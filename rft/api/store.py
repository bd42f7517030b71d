"""The API's state on disk: files and jobs in SQLite, uploaded bytes beside it. Survives a restart.

Every row carries its project (the key's), and every read filters by it, so one project cannot see
another's objects even by id. Uploaded bytes are written to a temporary name and renamed, and the
row is inserted after, so a crash never leaves a row without its file.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
  id TEXT PRIMARY KEY, project TEXT NOT NULL, filename TEXT NOT NULL, purpose TEXT NOT NULL,
  bytes INTEGER NOT NULL, lines INTEGER NOT NULL, created_at INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, project TEXT NOT NULL, created_at INTEGER NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL, flow_run_id TEXT, run_name TEXT NOT NULL, fine_tuned_model TEXT,
  finished_at INTEGER, error TEXT, seq INTEGER NOT NULL, overrides TEXT NOT NULL DEFAULT '[]',
  attempt INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS jobs_by_project ON jobs (project, seq);
CREATE TABLE IF NOT EXISTS events (
  job_id TEXT NOT NULL, seq INTEGER NOT NULL, created_at INTEGER NOT NULL, level TEXT NOT NULL,
  message TEXT NOT NULL, PRIMARY KEY (job_id, seq));
"""
JOB_FIELDS = {"status", "flow_run_id", "fine_tuned_model", "finished_at", "error", "attempt"}


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


class Store:
    def __init__(self, home: str | Path):
        self.home = Path(home)
        self.files_dir = self.home / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(self.home / "state.sqlite3", check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    # --- files ---------------------------------------------------------------------------------------
    def add_file(self, project: str, filename: str, purpose: str, data: bytes, lines: int) -> dict:
        file_id = new_id("file")
        tmp = self.files_dir / f".{file_id}.tmp"
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.rename(self.file_path(file_id))
        with self.lock:
            self.db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                            (file_id, project, filename, purpose, len(data), lines, int(time.time())))
        return self.file(project, file_id)

    def file_path(self, file_id: str) -> Path:
        return self.files_dir / f"{file_id}.jsonl"

    def file(self, project: str, file_id: str) -> dict | None:
        row = self.db.execute("SELECT * FROM files WHERE id = ? AND project = ? AND deleted = 0",
                              (file_id, project)).fetchone()
        return dict(row) if row else None

    def files(self, project: str, purpose: str | None = None) -> list[dict]:
        query = "SELECT * FROM files WHERE project = ? AND deleted = 0" + (" AND purpose = ?" if purpose else "")
        rows = self.db.execute(query + " ORDER BY created_at DESC, id", (project, purpose) if purpose else (project,))
        return [dict(r) for r in rows]

    def delete_file(self, project: str, file_id: str) -> bool:
        with self.lock:
            changed = self.db.execute("UPDATE files SET deleted = 1 WHERE id = ? AND project = ? AND deleted = 0",
                                      (file_id, project)).rowcount
        if changed:
            self.file_path(file_id).unlink(missing_ok=True)
        return bool(changed)

    # --- jobs ----------------------------------------------------------------------------------------
    def add_job(self, project: str, body: dict, run_name: str, status: str = "validating_files",
                job_id: str | None = None, overrides: list[str] | None = None) -> dict:
        """`overrides`: the pipeline settings the job runs with, kept so a restart or resume runs the same."""
        job_id = job_id or new_id("ftjob")
        with self.lock:
            seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs").fetchone()[0]
            self.db.execute("INSERT INTO jobs (id, project, created_at, body, status, run_name, seq, overrides) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (job_id, project, int(time.time()), json.dumps(body),
                                                              status, run_name, seq, json.dumps(overrides or [])))
        return self.job(project, job_id)

    def job(self, project: str, job_id: str) -> dict | None:
        row = self.db.execute("SELECT * FROM jobs WHERE id = ? AND project = ?", (job_id, project)).fetchone()
        return _job(row) if row else None

    def jobs(self, project: str, after: str | None = None, limit: int = 20) -> tuple[list[dict], bool]:
        """Newest first; `after` is the id of the last job of the previous page (OpenAI's cursor)."""
        seq = None
        if after:
            row = self.db.execute("SELECT seq FROM jobs WHERE id = ? AND project = ?", (after, project)).fetchone()
            seq = row["seq"] if row else None
        query = "SELECT * FROM jobs WHERE project = ?" + (" AND seq < ?" if seq is not None else "")
        args = (project, seq) if seq is not None else (project,)
        rows = self.db.execute(query + " ORDER BY seq DESC LIMIT ?", (*args, limit + 1)).fetchall()
        return [_job(r) for r in rows[:limit]], len(rows) > limit

    def unfinished_jobs(self) -> list[dict]:
        rows = self.db.execute("SELECT * FROM jobs WHERE status NOT IN ('succeeded', 'failed', 'cancelled')")
        return [_job(r) for r in rows]

    def add_event(self, job_id: str, message: str, level: str = "info") -> None:
        with self.lock:
            seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE job_id = ?",
                                  (job_id,)).fetchone()[0]
            self.db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?)", (job_id, seq, int(time.time()), level, message))

    def events(self, job_id: str) -> list[dict]:
        """The API's own events of a job (created, queued, started, resumed, ended), oldest first."""
        rows = self.db.execute("SELECT * FROM events WHERE job_id = ? ORDER BY seq", (job_id,))
        return [{"object": "fine_tuning.job.event", "id": f"ftevent-{job_id}-api-{r['seq']}",
                 "created_at": r["created_at"], "level": r["level"], "type": "message", "message": r["message"],
                 "data": {}} for r in rows]

    def update_job(self, job_id: str, **fields) -> None:
        if "error" in fields and fields["error"] is not None:
            fields["error"] = json.dumps(fields["error"])
        unknown = set(fields) - JOB_FIELDS
        if unknown:  # column names go into the statement: only ours
            raise ValueError(f"not job fields: {sorted(unknown)}")
        names = ", ".join(f"{k} = ?" for k in fields)
        with self.lock:
            self.db.execute(f"UPDATE jobs SET {names} WHERE id = ?", (*fields.values(), job_id))


def _job(row: sqlite3.Row) -> dict:
    job = dict(row)
    job["body"] = json.loads(job["body"])
    job["error"] = json.loads(job["error"]) if job["error"] else None
    job["overrides"] = json.loads(job["overrides"])
    return job
