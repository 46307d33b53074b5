"""The archive's state database: ``.trams/state.sqlite`` (SQLite, WAL, synchronous=FULL).

``items``: one row per *input* (keyed by its source hash), the batch runner's view: stage,
status (pending | running | failed | archived | skipped), output path, error. A runner skips
inputs for which :meth:`State.is_done` is true and resumes the others.

``documents``: one row per archived document version, and per in-flight transaction:
``stage`` is ``staging`` (files being written to ``.trams/staging/<txid>``), ``staged`` (all
files complete: the commit point, recovery rolls forward) or ``done``.

``records``: the record folders and their current ``record.json`` version.
``meta``: the journal head (last seq and hash), to detect removed journal lines.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from trams.archive.journal import GENESIS, Head
from trams.errors import StorageError
from trams.i18n import _

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    source_hash TEXT PRIMARY KEY, input_path TEXT, stage TEXT NOT NULL, status TEXT NOT NULL,
    output_path TEXT, error TEXT, agency_code TEXT, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    txid TEXT PRIMARY KEY, stage TEXT NOT NULL, source_hash TEXT, folder TEXT NOT NULL,
    record_code TEXT NOT NULL, doc_code TEXT NOT NULL, sequence INTEGER NOT NULL,
    version INTEGER NOT NULL, sha256 TEXT NOT NULL, content_key TEXT NOT NULL,
    size INTEGER, page_count INTEGER, signed INTEGER, verdict TEXT, mean_confidence REAL,
    quality_verdict TEXT, pdf TEXT NOT NULL, files TEXT NOT NULL, record TEXT NOT NULL,
    agency_code TEXT, archived_at TEXT);
CREATE INDEX IF NOT EXISTS documents_code ON documents (folder, sequence);
CREATE INDEX IF NOT EXISTS documents_source ON documents (source_hash);
CREATE TABLE IF NOT EXISTS records (
    folder TEXT PRIMARY KEY, record_code TEXT NOT NULL, agency_code TEXT,
    version INTEGER NOT NULL, record_key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

STATUSES = ("pending", "running", "failed", "archived", "skipped")
SQLITE_FULL = 13


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class State:
    def __init__(self, path: Path, *, readonly: bool = False):
        self.path = path
        try:
            if readonly:
                self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            else:
                self.db = sqlite3.connect(path, isolation_level=None)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")
                self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise _storage(exc, path) from None
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise _storage(exc, self.path) from None

    def query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # a read-only open of an archive never written
                return []
            raise _storage(exc, self.path) from None

    # --- inputs (batch runner) ---------------------------------------------------------
    def is_done(self, source_hash: str) -> bool:
        rows = self.query("SELECT status FROM items WHERE source_hash = ?", source_hash)
        return bool(rows) and rows[0]["status"] == "archived"

    def item(self, source_hash: str) -> dict | None:
        rows = self.query("SELECT * FROM items WHERE source_hash = ?", source_hash)
        return dict(rows[0]) if rows else None

    def set_item(self, db: sqlite3.Connection, source_hash: str, *, stage: str, status: str,
                 output_path: str | None = None, error: str | None = None,
                 input_path: str | None = None, agency_code: str | None = None) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        db.execute(
            "INSERT INTO items (source_hash, input_path, stage, status, output_path, error,"
            " agency_code, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(source_hash) DO UPDATE SET stage=excluded.stage,"
            " status=excluded.status, error=excluded.error, updated=excluded.updated,"
            " output_path=COALESCE(excluded.output_path, output_path),"
            " input_path=COALESCE(excluded.input_path, input_path),"
            " agency_code=COALESCE(excluded.agency_code, agency_code)",
            (source_hash, input_path, stage, status, output_path, error, agency_code, now()))

    # --- journal head ------------------------------------------------------------------
    def head(self) -> Head:
        rows = self.query("SELECT value FROM meta WHERE key = 'journal_head'")
        if not rows:
            return Head(0, GENESIS)
        seq, digest = json.loads(rows[0]["value"])
        return Head(seq, digest)

    @staticmethod
    def set_head(db: sqlite3.Connection, head: Head) -> None:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_head', ?)",
                   (json.dumps([head.seq, head.hash]),))

    # --- documents -----------------------------------------------------------------------
    def documents(self, *, stage: str | None = "done") -> list[dict]:
        if stage is None:
            rows = self.query("SELECT * FROM documents ORDER BY rowid")
        else:
            rows = self.query("SELECT * FROM documents WHERE stage = ? ORDER BY rowid", stage)
        return [_doc(r) for r in rows]

    def pending(self) -> list[dict]:
        return [_doc(r) for r in self.query(
            "SELECT * FROM documents WHERE stage != 'done' ORDER BY rowid")]

    def versions(self, folder: str, sequence: int) -> list[dict]:
        return [_doc(r) for r in self.query(
            "SELECT * FROM documents WHERE folder = ? AND sequence = ? AND stage = 'done'"
            " ORDER BY version", folder, sequence)]

    def record(self, folder: str) -> dict | None:
        rows = self.query("SELECT * FROM records WHERE folder = ?", folder)
        return dict(rows[0]) if rows else None

    def records(self) -> list[dict]:
        return [dict(r) for r in self.query("SELECT * FROM records ORDER BY folder")]


def _doc(row: sqlite3.Row) -> dict:
    doc = dict(row)
    doc["files"] = json.loads(doc["files"])
    doc["record"] = json.loads(doc["record"])
    return doc


def _storage(exc: sqlite3.Error, path: Path) -> StorageError:
    if getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL:
        return StorageError(_("the disk is full"), path=path,
                            hint=_("Free some space, then run the same command again."))
    return StorageError(_("the archive state database cannot be used ({reason})",
                          reason=str(exc)), path=path,
                        hint=_("Check the disk and the folder's permissions, then run "
                               "`trams archive check`."))
