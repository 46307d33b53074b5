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
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from trams.archive.journal import GENESIS, Head
from trams.archive.layout import STATE_DIR
from trams.archive.sqlite_tx import immediate
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
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26
SQLITE_HEADER = b"SQLite format 3\x00"


# error codes (docs/codes.md) of the state database's troubles
STATE_CODES = {"missing": "archive_state_missing", "empty": "archive_state_empty",
               "damaged": "archive_state_damaged"}


class DamagedStateError(StorageError):
    """The state database is missing, empty or corrupt while the archive holds bags.

    Raised at open, before anything is written (a run stops with exit 15; ``archive
    check`` turns it into a report, exit 14). The bags are the truth: ``trams archive
    rebuild`` makes the state again from them."""

    def __init__(self, kind: str, path: Path, reason: str = ""):
        messages = {
            "missing": _("the archive state database is missing, but the archive holds "
                         "records"),
            "empty": _("the archive state database is empty, but the archive holds records"),
            "damaged": _("the archive state database is damaged ({reason})", reason=reason),
        }
        super().__init__(messages[kind], path=path,
                         hint=_("The records in the bags are the truth: run `trams archive "
                                "rebuild` to rebuild the state from them."),
                         code=STATE_CODES[kind])
        self.kind = kind
        self.reason = reason


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _uri(path: Path, params: str) -> str:
    return f"{Path(path).absolute().as_uri()}?{params}"


def archive_has_records(root: Path) -> bool:
    """A journal with entries, or any bag under ``root`` (stops at the first one)."""
    journal = root / STATE_DIR / "journal.jsonl"
    if journal.is_file() and journal.stat().st_size > 0:
        return True
    for dirpath, dirs, names in os.walk(root):
        if "bagit.txt" in names:
            return True
        if dirpath == str(root) and STATE_DIR in dirs:
            dirs.remove(STATE_DIR)
    return False


def diagnose_state(path: Path, root: Path) -> DamagedStateError | None:
    """What is wrong with the state database at ``path`` of the archive at ``root``, if
    anything: missing or empty (no record, no transaction) while the archive holds
    records, or not an SQLite database. Deeper damage shows when it is read."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return DamagedStateError("missing", path) if archive_has_records(root) else None
    except OSError as exc:
        return DamagedStateError("damaged", path, exc.strerror or str(exc))
    if not header:
        return DamagedStateError("empty", path) if archive_has_records(root) else None
    if header != SQLITE_HEADER:
        return DamagedStateError("damaged", path, "not an SQLite database")
    wal = Path(f"{path}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        return None  # a live (or crashed) writer's log: its rows are not all in the file
    # immutable (no lock) only on read-only media: elsewhere a writer may be checkpointing
    params = "mode=ro" if os.access(path.parent, os.W_OK) else "mode=ro&immutable=1"
    try:
        db = sqlite3.connect(_uri(path, params), uri=True)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            rows = (db.execute("SELECT (SELECT COUNT(*) FROM records) + "
                               "(SELECT COUNT(*) FROM documents)").fetchone()[0]
                    if {"records", "documents"} <= tables else 0)
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return DamagedStateError("damaged", path, str(exc))
    if rows == 0 and archive_has_records(root):
        return DamagedStateError("empty", path)
    return None


class State:
    def __init__(self, path: Path, *, readonly: bool = False, immutable: bool = False):
        """``immutable``: the archive is on read-only media; open without any lock or
        write (a leftover write-ahead log is read from a private copy)."""
        self.path = path
        self._copy: str | None = None
        try:
            if immutable:
                self.db = self._open_immutable(path)
            elif readonly:
                self.db = sqlite3.connect(_uri(path, "mode=ro"), uri=True, isolation_level=None)
            else:
                self.db = sqlite3.connect(path, isolation_level=None)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")
                self.db.executescript(SCHEMA)
                # who this database is: an index made for another one (a rebuilt or
                # restored state) is known to be stale
                self.db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES "
                                "('state_id', ?)", (uuid.uuid4().hex,))
        except sqlite3.Error as exc:
            raise _storage(exc, path) from None
        self.db.row_factory = sqlite3.Row

    def _open_immutable(self, path: Path) -> sqlite3.Connection:
        wal = Path(f"{path}-wal")
        if wal.is_file() and wal.stat().st_size > 0:
            # Transactions still in the write-ahead log (a copy taken from a live or
            # crashed archive): immutable mode would not see them; read a private copy.
            self._copy = tempfile.mkdtemp(prefix="trams-state-")
            shutil.copy(path, os.path.join(self._copy, "state.sqlite"))
            shutil.copy(wal, os.path.join(self._copy, "state.sqlite-wal"))
            return sqlite3.connect(os.path.join(self._copy, "state.sqlite"),
                                   isolation_level=None)
        return sqlite3.connect(_uri(path, "mode=ro&immutable=1"), uri=True,
                               isolation_level=None)

    def close(self) -> None:
        self.db.close()
        if self._copy is not None:
            shutil.rmtree(self._copy, ignore_errors=True)
            self._copy = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            with immediate(self.db) as db:
                yield db
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
        except sqlite3.DatabaseError as exc:  # malformed, truncated: name the way back
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

    def identity(self) -> str:
        rows = self.query("SELECT value FROM meta WHERE key = 'state_id'")
        return rows[0]["value"] if rows else ""

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
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return DamagedStateError("damaged", path, str(exc))
    if code == SQLITE_FULL:
        return StorageError(_("the disk is full"), path=path,
                            hint=_("Free some space, then run the same command again."),
                            code="disk_full")
    return StorageError(_("the archive state database cannot be used ({reason})",
                          reason=str(exc)), path=path,
                        hint=_("Check the disk and the folder's permissions, then run "
                               "`trams archive check`."), code="archive_state_unusable")
