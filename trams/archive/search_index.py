"""An open index folder (:class:`SearchIndex`): its Tantivy index and ``docs.sqlite``
created, opened (also on a read-only archive), searched and written, and the state it is in
(:class:`IndexStatus`). What the index holds and how it is kept fresh: :mod:`.index`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy

from trams.archive import query as q
from trams.archive.index_entry import IndexEntry
from trams.archive.index_query import SCHEMA, Filters, _tantivy_doc, compile_query
from trams.archive.journal import GENESIS, Head
from trams.archive.sqlite_tx import immediate
from trams.errors import ArchiveIntegrityError
from trams.faults import fault
from trams.i18n import _

log = logging.getLogger(__name__)

TANTIVY_DIR = "tantivy"
DB_NAME = "docs.sqlite"
SCHEMA_VERSION = 2
ENGINE = f"tantivy {getattr(tantivy, '__version__', '?')}"

DB_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY, type_code TEXT, issued INTEGER, roles INTEGER NOT NULL,
    dossier TEXT);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
DOC_COLUMNS = ("id", "type_code", "issued", "roles", "dossier")


class IndexUnavailableError(ArchiveIntegrityError):
    """The search index is missing, damaged or from another version: reindex."""

    code = "search_index_unavailable"


# --- status ---------------------------------------------------------------------------------
FRESH, STALE, MISSING, DAMAGED, OUTDATED = "fresh", "stale", "missing", "damaged", "outdated"
# error codes (docs/codes.md) of an index that cannot be used
INDEX_CODES = {MISSING: "search_index_missing", DAMAGED: "search_index_damaged",
               OUTDATED: "search_index_outdated"}


@dataclass(frozen=True)
class IndexStatus:
    state: str  # fresh | stale | missing | damaged | outdated
    documents: int = 0
    behind: int = 0  # journal entries the index has not seen (stale)
    detail: str = ""

    @property
    def usable(self) -> bool:
        return self.state in (FRESH, STALE)

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "documents": self.documents, "behind": self.behind,
                **({"detail": self.detail} if self.detail else {})}


# --- the index ------------------------------------------------------------------------------
def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


class SearchIndex:
    """An open index folder. Readers: :meth:`open`; the archive's writer: :meth:`open`
    with ``writer=True`` (it alone holds the archive lock, so it alone writes)."""

    def __init__(self, folder: Path, *, writer: bool):
        self.folder = folder
        self.writer = writer
        self._shadow: str | None = None
        self._tantivy: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self.db: sqlite3.Connection | None = None

    # opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, *, writer: bool = False) -> SearchIndex:
        """Open an existing index; IndexUnavailableError (with the state) when it is not
        usable. Never creates anything."""
        index = cls(folder, writer=writer)
        try:
            index._open()
        except BaseException:
            index.close()
            raise
        return index

    @classmethod
    def create(cls, folder: Path, *, head: Head, state_id: str) -> SearchIndex:
        """A new, empty index at ``folder`` (which must not exist), watermark ``head`` of
        the state database ``state_id``."""
        (folder / TANTIVY_DIR).mkdir(parents=True)
        index = cls(folder, writer=True)
        index.db = sqlite3.connect(folder / DB_NAME, isolation_level=None)
        index.db.row_factory = sqlite3.Row
        index.db.execute("PRAGMA synchronous=FULL")
        index.db.executescript(DB_SCHEMA)
        index._tantivy = tantivy.Index(SCHEMA, path=str(folder / TANTIVY_DIR), reuse=False)
        with index._tx() as db:
            for k, v in (("schema", str(SCHEMA_VERSION)), ("engine", ENGINE),
                         ("created", datetime.now().astimezone().isoformat(timespec="seconds"))):
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (k, v))
            index._set_head(db, head, state_id)
        return index

    def _unavailable(self, state: str, detail: str) -> IndexUnavailableError:
        messages = {
            MISSING: _("the archive has no search index"),
            DAMAGED: _("the archive's search index is damaged ({detail})", detail=detail),
            OUTDATED: _("the archive's search index was made by another version ({detail})",
                        detail=detail),
        }
        error = IndexUnavailableError(messages[state], path=self.folder,
                                      hint=_("Run `trams archive reindex` to rebuild it from "
                                             "the bags."), code=INDEX_CODES[state])
        error.status = state  # type: ignore[attr-defined]
        return error

    def _open(self) -> None:
        db_path, tv_path = self.folder / DB_NAME, self.folder / TANTIVY_DIR
        if not db_path.is_file() or not (tv_path / "meta.json").is_file():
            raise self._unavailable(MISSING, "")
        readonly = not self.writer and not _writable(self.folder)
        try:
            if self.writer:
                self.db = sqlite3.connect(db_path, isolation_level=None)
                self.db.execute("PRAGMA synchronous=FULL")
            else:
                mode = "ro&immutable=1" if readonly else "ro"
                self.db = sqlite3.connect(f"file:{db_path}?mode={mode}", uri=True,
                                          isolation_level=None)
            self.db.row_factory = sqlite3.Row
            meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise self._unavailable(DAMAGED, str(exc)) from None
        if meta.get("schema") != str(SCHEMA_VERSION) or meta.get("engine") != ENGINE:
            raise self._unavailable(OUTDATED, f"{meta.get('engine')}, schema "
                                              f"{meta.get('schema')}")
        try:
            if readonly or not _writable(tv_path):
                self._tantivy = tantivy.Index.open(self._shadow_of(tv_path))
            else:
                self._tantivy = tantivy.Index.open(str(tv_path))
        except (ValueError, OSError) as exc:
            raise self._unavailable(DAMAGED, str(exc)) from None

    def _shadow_of(self, tv_path: Path) -> str:
        """A private folder of links to the index's files: Tantivy locks a file even to
        read, which a read-only folder does not allow."""
        self._shadow = tempfile.mkdtemp(prefix="trams-index-")
        for name in os.listdir(tv_path):
            if not name.startswith(".tantivy-"):
                os.symlink(tv_path / name, os.path.join(self._shadow, name))
        return self._shadow

    def close(self) -> None:
        if self._writer is not None:
            try:
                self._writer.wait_merging_threads()
            except (ValueError, RuntimeError) as exc:
                log.warning("search index merge: %s", exc)
            self._writer = None
        self._tantivy = None
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._shadow is not None:
            shutil.rmtree(self._shadow, ignore_errors=True)
            self._shadow = None

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reading ------------------------------------------------------------------------------
    def mark(self) -> tuple[Head, str]:
        """The watermark: the journal head and the state database it was taken from."""
        rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        seq, digest, *state = json.loads(rows.get("journal_head", json.dumps([0, GENESIS])))
        return Head(int(seq), str(digest)), (state[0] if state else "")

    def head(self) -> Head:
        return self.mark()[0]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def status(self, head: Head, state_id: str) -> IndexStatus:
        mine, state = self.mark()
        documents = self.count()
        if state != state_id:
            return IndexStatus(STALE, documents, detail="made for another state database")
        if mine == head:
            return IndexStatus(FRESH, documents)
        behind = head.seq - mine.seq if head.seq > mine.seq else 0
        return IndexStatus(STALE, documents, behind=behind,
                           detail=f"index at journal entry {mine.seq}, archive at {head.seq}")

    def search(self, node: q.Node, filters: Filters = Filters(), *,  # noqa: B008 (frozen)
               limit: int = 10) -> tuple[int, list[tuple[float, int]]]:
        """(number of matching documents, [(score, state row id)] best first)."""
        searcher = self._tantivy.searcher()
        result = searcher.search(compile_query(node, filters), limit, count=True)
        addresses = [addr for _score, addr in result.hits]
        ids = searcher.fast_field_values("id", addresses) if addresses else []
        return result.count, [(score, int(i)) for (score, _a), i in
                              zip(result.hits, ids, strict=True)]

    def db_path(self) -> Path:
        return self.folder / DB_NAME

    # writing ------------------------------------------------------------------------------
    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate(self.db)

    @staticmethod
    def _set_head(db: sqlite3.Connection, head: Head, state_id: str) -> None:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_head', ?)",
                   (json.dumps([head.seq, head.hash, state_id]),))

    def _index_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._tantivy.writer(heap_size=50_000_000, num_threads=1)
        return self._writer

    def bulk_load(self, entries: Iterable[IndexEntry], head: Head, state_id: str, *,
                  threads: int = 2, batch: int = 2000) -> int:
        """Fill a new, empty index (reindex, benchmarks): one Tantivy commit at the end,
        rows in batches, the watermark last. Returns the number of documents."""
        writer = self._tantivy.writer(heap_size=200_000_000, num_threads=max(1, threads))
        self._writer = writer
        count = 0
        rows: list[list] = []

        def flush() -> None:
            with self._tx() as db:
                db.executemany(f"INSERT OR REPLACE INTO docs ({', '.join(DOC_COLUMNS)}) "
                               f"VALUES ({', '.join('?' * len(DOC_COLUMNS))})", rows)
            rows.clear()

        for entry in entries:
            writer.add_document(_tantivy_doc(entry))
            rows.append(entry.row)
            count += 1
            if len(rows) >= batch:
                flush()
        flush()
        writer.commit()
        writer.wait_merging_threads()
        self._writer = None
        with self._tx() as db:
            self._set_head(db, head, state_id)
        return count

    def apply(self, entries: list[IndexEntry], head: Head, state_id: str) -> None:
        """Put ``entries`` (replacing the same documents) and move the watermark to
        ``head``: Tantivy commit first, then rows and watermark in one transaction."""
        if entries:
            writer = self._index_writer()
            for entry in entries:
                for old in (entry.id, *entry.replaces):
                    writer.delete_documents_by_term("id", old)
                writer.add_document(_tantivy_doc(entry))
            writer.commit()
            fault("index.tantivy_committed")
        with self._tx() as db:
            for entry in entries:
                db.executemany("DELETE FROM docs WHERE id = ?", [(i,) for i in entry.replaces])
                db.execute(f"INSERT OR REPLACE INTO docs ({', '.join(DOC_COLUMNS)}) VALUES "
                           f"({', '.join('?' * len(DOC_COLUMNS))})", entry.row)
            self._set_head(db, head, state_id)
