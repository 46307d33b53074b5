"""The archive's search index: ``.trams/index/``, derived from the bags, never the truth.

Two parts, both rebuilt from the bags by :func:`reindex`:

* ``tantivy/``: a Tantivy full-text index (chosen over SQLite FTS5 on measurements, see
  ``docs/search.md``). Each archived document (its current version) is one Tantivy
  document, named by the row id of its version in the state database: its text layer and
  its metadata as words, each word twice where it carries diacritics: folded (``quyet``,
  with positions, for phrases) and exact (``quyết``, whether present only). Filters
  (agency, record, type, signer, date) are indexed fields. Nothing is stored: results are
  described from the state database and the bag.
* ``docs.sqlite``: per document what reports count and the state does not hold (document
  type, issue date, signer roles, dossier code), and the *watermark*: the journal head
  (sequence number and hash) and the identity of the state database the index reflects.

Freshness. The archive's state database carries the journal head too. An add commits the
archive first (bag, journal, state), then updates the index: the Tantivy commit, then the
rows and the new watermark in one SQLite transaction. A crash in between leaves the
watermark behind the state's head: the index is *stale*, never silently wrong. ``archive
check`` reports it; the next writer open (any run) catches up from the journal, and
``trams archive reindex`` rebuilds it from the bags. A failing index update never fails an
add: the archive is the truth, the index only falls behind.

Read-only archives: Tantivy takes a lock file even to read, so on a read-only folder the
reader opens a private folder of symbolic links to the index's files instead (nothing is
written in the archive); SQLite is opened ``immutable``.

This module keeps the index up to date with the archive (:mod:`.store` calls it after each
add and at a writer's open) and rebuilds it. The parts it uses: :mod:`.index_entry` (what
is indexed of a document, from its bag), :mod:`.index_query` (the Tantivy schema and the
compiled queries) and :mod:`.search_index` (an open index folder, its status).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trams.archive.index_entry import IndexEntry, entry_for
from trams.archive.journal import GENESIS, Head
from trams.archive.search_index import DAMAGED, IndexStatus, IndexUnavailableError, SearchIndex
from trams.archive.state import _doc
from trams.errors import ExitCode, TramsError
from trams.faults import fault
from trams.fs import fsync_dir

if TYPE_CHECKING:
    from trams.archive.store import Archive

log = logging.getLogger(__name__)

INDEX_DIR = "index"
NEW_PREFIX, OLD_PREFIX = "index-new-", "index-old-"


# --- keeping it up to date ------------------------------------------------------------------
def index_folder(a: Archive) -> Path:
    return a.meta / INDEX_DIR


def state_rows(a: Archive, where: str = "1", *args: Any) -> list[dict]:
    """State ``documents`` rows (stage done) with their row ``id``."""

    return [_doc(r) for r in a.state.query(
        f"SELECT rowid AS id, * FROM documents WHERE stage = 'done' AND ({where})"
        " ORDER BY rowid", *args)]


def state_id(a: Archive) -> str:
    return a.state.identity()


def _entry(a: Archive, folder: str, sequence: int, *, text: str | None = None
           ) -> IndexEntry | None:
    """The entry of a document's current version; its earlier versions are replaced."""
    versions = state_rows(a, "folder = ? AND sequence = ?", folder, sequence)
    if not versions:
        return None
    current = max(versions, key=lambda r: r["version"])
    return entry_for(a.root, current, text=text, replaces=[r["id"] for r in versions])


def _writer_index(a: Archive) -> SearchIndex | None:
    """The writer's open index (opened once per archive session), None if it cannot be
    used now: missing on an archive that has documents, damaged or outdated."""
    cached = getattr(a, "_search_index", False)
    if cached is not False:
        return cached
    index: SearchIndex | None = None
    folder = index_folder(a)
    try:
        if not folder.exists() and a.state.head().seq == 0 and not a.state.documents():
            index = SearchIndex.create(folder, head=a.state.head(), state_id=state_id(a))
        else:
            index = SearchIndex.open(folder, writer=True)
    except IndexUnavailableError as exc:  # `archive check` reports it
        log.info("search index not updated: %s", exc.one_line())
    except (OSError, sqlite3.Error, ValueError) as exc:
        log.warning("search index not updated: %s", exc)
    a._search_index = index  # type: ignore[attr-defined]
    return index


def close_index(a: Archive) -> None:
    index = getattr(a, "_search_index", None)
    if index:
        index.close()
    a._search_index = False  # type: ignore[attr-defined]


def _disable(a: Archive, exc: BaseException) -> None:
    log.warning("search index not updated (it is now stale; `trams archive reindex` "
                "rebuilds it): %s", exc)
    close_index(a)
    a._search_index = None  # type: ignore[attr-defined]


def after_commit(a: Archive, row: dict, before: Head, *, text: str | None) -> None:
    """Called by the archive right after an add committed (journal and state)."""
    index = _writer_index(a)
    if index is None:
        return
    fault("index.update")
    try:
        if index.mark() == (before, state_id(a)):
            entry = _entry(a, row["folder"], row["sequence"], text=text)
            index.apply([entry] if entry else [], a.state.head(), state_id(a))
        else:
            catch_up(a, index)
    except (OSError, sqlite3.Error, ValueError, TramsError) as exc:
        _disable(a, exc)


def after_noop(a: Archive, before: Head) -> None:
    """Called after an "unchanged" journal entry: only the watermark moves."""
    index = _writer_index(a)
    if index is None:
        return
    try:
        if index.mark() == (before, state_id(a)):
            index.apply([], a.state.head(), state_id(a))
        else:
            catch_up(a, index)
    except (OSError, sqlite3.Error, ValueError, TramsError) as exc:
        _disable(a, exc)


def sync(a: Archive) -> None:
    """At a writer's open (after the recovery): bring a stale index up to date from the
    journal, if it follows on; otherwise leave it for `reindex`."""
    index = _writer_index(a)
    if index is None:
        return
    try:
        catch_up(a, index)
    except (OSError, sqlite3.Error, ValueError, TramsError) as exc:
        _disable(a, exc)


def catch_up(a: Archive, index: SearchIndex) -> bool:
    """Apply the journal entries after the index's watermark. False when the watermark
    is not on the journal or was taken from another state database: reindex."""
    head, (mine, state) = a.state.head(), index.mark()
    if (mine, state) == (head, state_id(a)):
        return True
    entries = a.journal.entries()
    if state != state_id(a) or mine.seq > head.seq or head.seq > len(entries) or (
            mine.seq < len(entries) and entries[mine.seq].get("prev") != mine.hash):
        log.info("the search index does not follow this archive's journal (`archive "
                 "check` says so): run `trams archive reindex`")
        return False
    wanted: dict[tuple[str, int], None] = {}
    for entry in entries[mine.seq:head.seq]:
        if entry.get("event") == "archived":
            wanted[(entry["folder"], int(entry["sequence"]))] = None
    docs = [e for folder, sequence in wanted if (e := _entry(a, folder, sequence))]
    index.apply(docs, head, state_id(a))
    return True


# --- rebuilding -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ReindexReport:
    documents: int
    from_pdf: int  # texts read from the PDF's text layer (no sidecar text in the bag)
    missing: tuple[str, ...]  # documents whose PDF is missing (indexed by their metadata)
    seconds: float
    index_bytes: int
    status: IndexStatus
    problems: tuple[str, ...] = field(default=())

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "text_from_pdf": self.from_pdf,
                "missing_pdf": list(self.missing), "seconds": round(self.seconds, 2),
                "index_bytes": self.index_bytes, "status": self.status.to_dict()}


def current_documents(a: Archive) -> list[dict]:
    """The current (highest) version of every archived document (rows with their id)."""
    latest: dict[tuple[str, int], dict] = {}
    for row in state_rows(a):
        k = (row["folder"], row["sequence"])
        if k not in latest or row["version"] > latest[k]["version"]:
            latest[k] = row
    return list(latest.values())


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def reindex(a: Archive, *, jobs: int = 2) -> ReindexReport:
    """Rebuild the index from the bags into a new folder, then put it in place."""
    if not a.writer:
        raise ValueError("reindex needs the archive opened for writing")
    started = time.monotonic()
    close_index(a)
    remove_leftovers(a)
    head = a.state.head()
    rows = current_documents(a)
    new = a.meta / f"{NEW_PREFIX}{uuid.uuid4().hex[:8]}"
    index = SearchIndex.create(new, head=Head(0, GENESIS), state_id=state_id(a))
    missing, from_pdf = [], 0
    codes = {r["id"]: r["doc_code"] for r in rows}

    def build(row: dict) -> IndexEntry:
        return entry_for(a.root, row)

    def counted(entries: Iterable[IndexEntry]) -> Iterator[IndexEntry]:
        nonlocal from_pdf
        for entry in entries:
            if not entry.pdf_exists:
                missing.append(codes[entry.id])
            elif entry.text_source == "pdf":
                from_pdf += 1
            yield entry

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # pdftotext in parallel
            index.bulk_load(counted(pool.map(build, rows)), head, state_id(a), threads=jobs)
        index.close()
        _swap(a, new)
    except BaseException:
        index.close()
        shutil.rmtree(new, ignore_errors=True)
        raise
    with SearchIndex.open(index_folder(a), writer=False) as fresh:
        status = fresh.status(a.state.head(), state_id(a))
    return ReindexReport(documents=len(rows), from_pdf=from_pdf, missing=tuple(missing),
                         seconds=time.monotonic() - started,
                         index_bytes=folder_bytes(index_folder(a)), status=status)


def _swap(a: Archive, new: Path) -> None:
    """Put the new index folder in place of the old one (two renames; a crash between
    them leaves no index: `check` says missing, and reindex builds it again)."""
    current = index_folder(a)
    old = a.meta / f"{OLD_PREFIX}{uuid.uuid4().hex[:8]}"
    if current.exists():
        os.rename(current, old)
    os.rename(new, current)
    fsync_dir(a.meta)
    shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(a: Archive) -> None:
    """Folders of an interrupted reindex."""
    if not a.meta.is_dir():
        return
    for name in os.listdir(a.meta):
        if name.startswith((NEW_PREFIX, OLD_PREFIX)):
            shutil.rmtree(a.meta / name, ignore_errors=True)


def status_of(a: Archive) -> IndexStatus:
    """The index's state for ``archive check`` (read-only; never raises)."""
    try:
        with SearchIndex.open(index_folder(a), writer=False) as index:
            return index.status(a.state.head(), state_id(a))
    except IndexUnavailableError as exc:
        return IndexStatus(getattr(exc, "status", DAMAGED), detail=exc.message)
    except (OSError, sqlite3.Error, ValueError) as exc:
        return IndexStatus(DAMAGED, detail=str(exc))
