"""The archive's search index: ``.trams/index/``, derived from the bags, never the truth.

Two parts, both rebuilt from the bags by :func:`reindex`:

* ``tantivy/``: a Tantivy full-text index (chosen over SQLite FTS5 on measurements, see
  ``docs/search.md``). Each archived document (its current version) is one Tantivy
  document: its text layer and its metadata as words, each word twice where it carries
  diacritics: folded (``quyet``, with positions, for phrases) and exact (``quyết``, whether
  present only). Filters (agency, record, type, signer, date) are indexed fields.
* ``docs.sqlite``: one row per document with what results, ``show`` and reports display
  and count, and the *watermark*: the journal head (sequence number and hash) the index
  reflects.

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
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tantivy

from trams.archive import query as q
from trams.archive import vitext
from trams.archive.faults import fault
from trams.archive.journal import GENESIS, Head
from trams.archive.layout import PAYLOAD_DIR, RECORD_JSON, versioned
from trams.archive.pdftext import pdf_text
from trams.errors import ArchiveIntegrityError, TramsError
from trams.fs import fsync_dir
from trams.i18n import _

if TYPE_CHECKING:
    from trams.archive.store import Archive

log = logging.getLogger(__name__)

INDEX_DIR = "index"
TANTIVY_DIR = "tantivy"
DB_NAME = "docs.sqlite"
SCHEMA_VERSION = 1
ENGINE = f"tantivy {getattr(tantivy, '__version__', '?')}"
NEW_PREFIX, OLD_PREFIX = "index-new-", "index-old-"
# Administrative-procedure dossier codes (Circular 01/2023/TT-VPCP): receiving agency's
# code, receipt date YYMMDD, sequence of the day, optional result suffix (-KQ1).
DOSSIER = re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}(?:-KQ\d+)?\b")
META_BOOST = 2.0  # a hit in the subject, title or codes counts more than one in the text

DB_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    key TEXT PRIMARY KEY, folder TEXT NOT NULL, sequence INTEGER NOT NULL,
    version INTEGER NOT NULL, doc_code TEXT NOT NULL, record_code TEXT NOT NULL,
    agency TEXT, pdf TEXT NOT NULL, text_file TEXT, title TEXT, subject TEXT, organ TEXT,
    type_code TEXT, notation TEXT, number TEXT, issued TEXT, archived TEXT, day INTEGER,
    signers TEXT NOT NULL, roles TEXT NOT NULL, verdict TEXT, pages INTEGER,
    quality TEXT, confidence REAL, dossier TEXT, sha256 TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_code ON docs (doc_code);
CREATE INDEX IF NOT EXISTS docs_record ON docs (record_code);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
DOC_COLUMNS = ("key", "folder", "sequence", "version", "doc_code", "record_code", "agency",
               "pdf", "text_file", "title", "subject", "organ", "type_code", "notation",
               "number", "issued", "archived", "day", "signers", "roles", "verdict", "pages",
               "quality", "confidence", "dossier", "sha256")


class IndexUnavailableError(ArchiveIntegrityError):
    """The search index is missing, damaged or from another version: reindex."""


# --- what is indexed ----------------------------------------------------------------------
@dataclass(frozen=True)
class IndexEntry:
    """One archived document as the index holds it (built from its bag)."""

    row: dict[str, Any]  # the docs.sqlite row (DOC_COLUMNS)
    meta_text: str  # searchable metadata: codes, title, subject, organ, signers
    text: str  # the text layer
    types: tuple[str, ...]
    signer_text: str


def _vn_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
    try:
        return date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(value[:10])
    except ValueError:
        return None


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def document_files(root: Path, row: dict) -> tuple[Path, Path, Path]:
    """(record folder, the document's .json, its record.json) of a state row."""
    folder = root / row["folder"]
    data = folder / PAYLOAD_DIR
    record_version = max(1, int(row["record"].get("version") or 1))
    return (folder, data / (row["pdf"][: -len(".pdf")] + ".json"),
            data / versioned(RECORD_JSON, record_version, ".json"))


def roles_of(signatures: Iterable[Any]) -> list[str]:
    return sorted({str(s.get("role")) for s in signatures if isinstance(s, dict)
                   and s.get("role")})


def entry_for(root: Path, row: dict, *, text: str | None = None) -> IndexEntry:
    """The index entry of the archived document ``row`` (a state ``documents`` row).

    Everything comes from the bag: the document's JSON, its record's JSON, and the text:
    ``text`` when the caller has it (the run's OCR text), else the sidecar text in the bag,
    else the PDF's text layer (pdftotext). A document whose files cannot be read is indexed
    with what is left (its codes), never dropped: ``archive check`` reports the damage.
    """
    folder, doc_json, record_json = document_files(root, row)
    doc = _read_json(doc_json)
    record = _read_json(record_json).get("record") or {}
    fields = doc.get("fields") if isinstance(doc.get("fields"), dict) else {}
    signatures = doc.get("signatures") if isinstance(doc.get("signatures"), list) else []
    quality = doc.get("quality") if isinstance(doc.get("quality"), dict) else {}
    pdf = f"{row['folder']}/{PAYLOAD_DIR}/{row['pdf']}"
    text_file = (f"{row['folder']}/{PAYLOAD_DIR}/{doc['sidecar']}"
                 if isinstance(doc.get("sidecar"), str) else None)
    if text is None:
        text = load_text(root, pdf, text_file)
    issued = _vn_date(fields.get("issuedDate"))
    archived = str(row.get("archived_at") or doc.get("archivedAt") or "")
    day = issued or _vn_date(archived[:10]) or None
    signers = [str(s["signer"]) for s in signatures
               if isinstance(s, dict) and isinstance(s.get("signer"), str)]
    if isinstance(fields.get("autograph"), str):
        signers.append(fields["autograph"])
    roles = roles_of(signatures)
    notation = fields.get("codeNotation")
    number = fields.get("codeNumber")
    codes = [row["record_code"], row["doc_code"], record.get("paperFileCode"),
             fields.get("docCode"), record.get("keyword"), fields.get("keyword")]
    dossier = next((m[0] for c in codes if isinstance(c, str) for m in [DOSSIER.search(c)]
                    if m), None)
    if dossier is None and "officer" in roles:  # signed under the one-stop "dossier" profile
        dossier = row["record_code"]
    types = [str(fields["typeName"])] if fields.get("typeName") else []
    if isinstance(notation, str) and notation.strip():
        types.append(vitext.fold(notation.split("-")[0].strip()))
    meta_parts = [row["doc_code"], row["record_code"], record.get("title"), fields.get("subject"),
                  fields.get("organName"), f"{number}/{notation}" if number and notation
                  else notation or number, record.get("paperFileCode"), record.get("keyword"),
                  fields.get("keyword"), record.get("description"), fields.get("description"),
                  *signers]
    mc = quality.get("mean_confidence")
    out = {
        "key": key_of(row["folder"], row["sequence"]), "folder": row["folder"],
        "sequence": row["sequence"], "version": row["version"], "doc_code": row["doc_code"],
        "record_code": row["record_code"], "agency": row.get("agency_code") or "",
        "pdf": pdf, "text_file": text_file, "title": record.get("title"),
        "subject": fields.get("subject"), "organ": fields.get("organName"),
        "type_code": fields.get("typeName"), "notation": notation, "number": number,
        "issued": issued.isoformat() if issued else None, "archived": archived or None,
        "day": int(day.strftime("%Y%m%d")) if day else None,
        "signers": json.dumps(signers, ensure_ascii=False), "roles": json.dumps(roles),
        "verdict": doc.get("signatureVerdict") or row.get("verdict"),
        "pages": doc.get("pageCount") or row.get("page_count"),
        "quality": quality.get("verdict") or row.get("quality_verdict"),
        "confidence": float(mc) if isinstance(mc, int | float) else row.get("mean_confidence"),
        "dossier": dossier, "sha256": row["sha256"],
    }
    return IndexEntry(row=out, meta_text="\n".join(str(p) for p in meta_parts if p),
                      text=text, types=tuple(types), signer_text=" ".join(signers))


def key_of(folder: str, sequence: int) -> str:
    return f"{folder}#{sequence}"


def load_text(root: Path, pdf: str, text_file: str | None) -> str:
    """A document's text from its bag: the sidecar if kept, else the PDF's text layer."""
    if text_file:
        try:
            return (root / text_file).read_text(encoding="utf-8")
        except OSError as exc:
            log.warning("cannot read %s: %s", text_file, exc)
    if not (root / pdf).is_file():
        return ""
    try:
        return pdf_text(root / pdf)
    except TramsError as exc:  # indexed by its metadata; `archive check` judges the file
        log.info("%s", exc.one_line())
        return ""


def _fold_join(text: str) -> tuple[str, str]:
    """(folded words joined by spaces, the distinct exact words that carry diacritics)."""
    exact, folded = vitext.word_pairs(text)
    keep = [i for i, w in enumerate(folded) if len(w) <= q.MAX_WORD]
    marked = sorted({exact[i] for i in keep if exact[i] != folded[i]})
    return " ".join(folded[i] for i in keep), " ".join(marked)


# --- the Tantivy part ---------------------------------------------------------------------
def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("key", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("text_exact", tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field("meta", tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("meta_exact", tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field("signer", tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("agency", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("record", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("type", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("day", indexed=True, fast=True)
    return sb.build()


SCHEMA = _schema()


def _tantivy_doc(entry: IndexEntry) -> tantivy.Document:
    text_fold, text_exact = _fold_join(entry.text)
    meta_fold, meta_exact = _fold_join(entry.meta_text)
    row = entry.row
    doc = tantivy.Document(key=row["key"], text=text_fold, text_exact=text_exact,
                           meta=meta_fold, meta_exact=meta_exact,
                           signer=_fold_join(entry.signer_text)[0],
                           agency=row["agency"] or "", record=row["record_code"])
    for value in entry.types:
        doc.add_text("type", value)
    if row["day"] is not None:
        doc.add_integer("day", row["day"])
    return doc


@dataclass(frozen=True)
class Filters:
    agency: str | None = None
    record: str | None = None
    doc_type: str | None = None
    signer: str | None = None
    day_from: int | None = None  # yyyymmdd, inclusive
    day_to: int | None = None


def _term(field_name: str, value: str) -> tantivy.Query:
    return tantivy.Query.term_query(SCHEMA, field_name, value)


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, x) for x in queries])


def _fields_query(build, boosts=(("text", 1.0), ("meta", META_BOOST))) -> tantivy.Query:  # noqa: ANN001
    out = []
    for name, boost in boosts:
        query = build(name)
        out.append(tantivy.Query.boost_query(query, boost) if boost != 1.0 else query)
    return _any(out)


def _exact_words(terms: Iterable[q.Term]) -> list[tantivy.Query]:
    """For each word typed with diacritics: it must be in the document in that spelling."""
    out = []
    for t in terms:
        if not t.marked:
            continue
        if t.prefix:
            pattern = re.escape(t.exact) + ".*"
            out.append(_any([tantivy.Query.regex_query(SCHEMA, f, pattern)
                             for f in ("text_exact", "meta_exact")]))
        else:
            out.append(_any([_term("text_exact", t.exact), _term("meta_exact", t.exact)]))
    return out


def _compile(node: q.Node) -> tantivy.Query:
    Occur = tantivy.Occur  # noqa: N806
    if isinstance(node, q.Term):
        if node.prefix:
            pattern = re.escape(node.folded) + ".*"
            match = _fields_query(lambda f: tantivy.Query.regex_query(SCHEMA, f, pattern))
        else:
            match = _fields_query(lambda f: _term(f, node.folded))
        exact = _exact_words([node])
        if not exact:
            return match
        return tantivy.Query.boolean_query([(Occur.Must, match),
                                            *((Occur.Must, x) for x in exact)])
    if isinstance(node, q.Phrase):
        words = [t.folded for t in node.terms]
        if node.terms[-1].prefix:
            match = _fields_query(lambda f: tantivy.Query.phrase_prefix_query(SCHEMA, f, words))
        else:
            match = _fields_query(lambda f: tantivy.Query.phrase_query(SCHEMA, f, words))
        exact = _exact_words(node.terms)
        if not exact:
            return match
        return tantivy.Query.boolean_query([(Occur.Must, match),
                                            *((Occur.Must, x) for x in exact)])
    if isinstance(node, q.Or):
        return tantivy.Query.boolean_query([(Occur.Should, _compile(p)) for p in node.parts])
    if isinstance(node, q.Not):
        return tantivy.Query.boolean_query([(Occur.Must, tantivy.Query.all_query()),
                                            (Occur.MustNot, _compile(node.part))])
    clauses = []
    for part in node.parts:
        if isinstance(part, q.Not):
            clauses.append((Occur.MustNot, _compile(part.part)))
        else:
            clauses.append((Occur.Must, _compile(part)))
    if all(o == Occur.MustNot for o, _x in clauses):
        clauses.append((Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(clauses)


def compile_query(node: q.Node, filters: Filters = Filters()) -> tantivy.Query:
    Occur = tantivy.Occur  # noqa: N806
    clauses = [(Occur.Must, _compile(node))]
    if filters.agency:
        clauses.append((Occur.Must, _term("agency", filters.agency)))
    if filters.record:
        clauses.append((Occur.Must, _term("record", filters.record)))
    if filters.doc_type:
        wanted = filters.doc_type.strip()
        clauses.append((Occur.Must, _any([_term("type", wanted),
                                          _term("type", vitext.fold(wanted))])))
    if filters.signer:
        words = [w for w in vitext.word_pairs(filters.signer)[1] if len(w) <= q.MAX_WORD]
        if words:
            clauses.append((Occur.Must, tantivy.Query.phrase_query(SCHEMA, "signer", words)
                            if len(words) > 1 else _term("signer", words[0])))
    if filters.day_from is not None or filters.day_to is not None:
        clauses.append((Occur.Must, tantivy.Query.range_query(
            SCHEMA, "day", tantivy.FieldType.Integer, filters.day_from or 0,
            filters.day_to or 99991231)))
    return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)


# --- status ---------------------------------------------------------------------------------
FRESH, STALE, MISSING, DAMAGED, OUTDATED = "fresh", "stale", "missing", "damaged", "outdated"


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
    def create(cls, folder: Path, *, head: Head) -> SearchIndex:
        """A new, empty index at ``folder`` (which must not exist), watermark ``head``."""
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
            index._set_head(db, head)
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
                                             "the bags."))
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
    def head(self) -> Head:
        rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        seq, digest = json.loads(rows.get("journal_head", json.dumps([0, GENESIS])))
        return Head(int(seq), str(digest))

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def status(self, head: Head) -> IndexStatus:
        mine = self.head()
        documents = self.count()
        if mine == head:
            return IndexStatus(FRESH, documents)
        behind = head.seq - mine.seq if head.seq > mine.seq else 0
        return IndexStatus(STALE, documents, behind=behind,
                           detail=f"index at journal entry {mine.seq}, archive at {head.seq}")

    def search(self, node: q.Node, filters: Filters = Filters(), *,
               limit: int = 10) -> tuple[int, list[tuple[float, dict]]]:
        """(number of matching documents, [(score, docs row)] best first)."""
        searcher = self._tantivy.searcher()
        result = searcher.search(compile_query(node, filters), limit, count=True)
        keys = [(score, searcher.doc(addr)["key"][0]) for score, addr in result.hits]
        rows = self.rows([k for _s, k in keys])
        return result.count, [(score, rows[k]) for score, k in keys if k in rows]

    def rows(self, keys: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.db.execute(f"SELECT * FROM docs WHERE key IN ({marks})", chunk):
                out[r["key"]] = dict(r)
        return out

    def query_rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return self.db.execute(sql, args).fetchall()

    # writing ------------------------------------------------------------------------------
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @staticmethod
    def _set_head(db: sqlite3.Connection, head: Head) -> None:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_head', ?)",
                   (json.dumps([head.seq, head.hash]),))

    def _index_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self._tantivy.writer(heap_size=50_000_000, num_threads=1)
        return self._writer

    def apply(self, entries: list[IndexEntry], head: Head) -> None:
        """Put ``entries`` (replacing the same documents) and move the watermark to
        ``head``: Tantivy commit first, then rows and watermark in one transaction."""
        if entries:
            writer = self._index_writer()
            for entry in entries:
                writer.delete_documents_by_term("key", entry.row["key"])
                writer.add_document(_tantivy_doc(entry))
            writer.commit()
            fault("index.tantivy_committed")
        with self._tx() as db:
            for entry in entries:
                row = entry.row
                db.execute(f"INSERT OR REPLACE INTO docs ({', '.join(DOC_COLUMNS)}) VALUES "
                           f"({', '.join('?' * len(DOC_COLUMNS))})",
                           [row[c] for c in DOC_COLUMNS])
            self._set_head(db, head)


# --- keeping it up to date ------------------------------------------------------------------
def index_folder(a: Archive) -> Path:
    return a.meta / INDEX_DIR


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
            index = SearchIndex.create(folder, head=a.state.head())
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
        if index.head() == before:
            index.apply([entry_for(a.root, row, text=text)], a.state.head())
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
        if index.head() == before:
            index.apply([], a.state.head())
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
    is not on the journal (another history, a rebuilt state): reindex."""
    head, mine = a.state.head(), index.head()
    if mine == head:
        return True
    entries = a.journal.entries()
    if mine.seq > head.seq or head.seq > len(entries) or (
            mine.seq < len(entries) and entries[mine.seq].get("prev") != mine.hash):
        log.warning("search index watermark %s is not on the journal: run "
                    "`trams archive reindex`", mine.seq)
        return False
    wanted: dict[tuple[str, int], None] = {}
    for entry in entries[mine.seq:head.seq]:
        if entry.get("event") == "archived":
            wanted[(entry["folder"], int(entry["sequence"]))] = None
    docs = []
    for folder, sequence in wanted:
        versions = a.state.versions(folder, sequence)
        if versions:
            docs.append(entry_for(a.root, versions[-1]))
    index.apply(docs, head)
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

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "text_from_pdf": self.from_pdf,
                "missing_pdf": list(self.missing), "seconds": round(self.seconds, 2),
                "index_bytes": self.index_bytes, "status": self.status.to_dict()}


def current_documents(a: Archive) -> list[dict]:
    """The current (highest) version of every archived document."""
    latest: dict[tuple[str, int], dict] = {}
    for row in a.state.documents():
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
    index = SearchIndex.create(new, head=Head(0, GENESIS))
    missing, from_pdf = [], 0
    try:
        writer = index._tantivy.writer(heap_size=200_000_000, num_threads=max(1, jobs))
        index._writer = writer

        def build(row: dict) -> IndexEntry:
            return entry_for(a.root, row)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            batch: list[IndexEntry] = []
            for entry in pool.map(build, rows):
                if not (a.root / entry.row["pdf"]).is_file():
                    missing.append(entry.row["doc_code"])
                elif entry.row["text_file"] is None:
                    from_pdf += 1
                batch.append(entry)
                if len(batch) >= 2000:
                    _bulk(index, batch)
                    batch = []
            _bulk(index, batch)
        writer.commit()
        writer.wait_merging_threads()
        index._writer = None
        with index._tx() as db:
            index._set_head(db, head)
        index.close()
        _swap(a, new)
    except BaseException:
        index.close()
        shutil.rmtree(new, ignore_errors=True)
        raise
    with SearchIndex.open(index_folder(a), writer=False) as fresh:
        status = fresh.status(a.state.head())
    return ReindexReport(documents=len(rows), from_pdf=from_pdf, missing=tuple(missing),
                         seconds=time.monotonic() - started,
                         index_bytes=folder_bytes(index_folder(a)), status=status)


def _bulk(index: SearchIndex, entries: list[IndexEntry]) -> None:
    for entry in entries:
        index._writer.add_document(_tantivy_doc(entry))
    with index._tx() as db:
        db.executemany(f"INSERT OR REPLACE INTO docs ({', '.join(DOC_COLUMNS)}) VALUES "
                       f"({', '.join('?' * len(DOC_COLUMNS))})",
                       [[e.row[c] for c in DOC_COLUMNS] for e in entries])


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
            return index.status(a.state.head())
    except IndexUnavailableError as exc:
        return IndexStatus(getattr(exc, "status", DAMAGED), detail=exc.message)
    except (OSError, sqlite3.Error, ValueError) as exc:
        return IndexStatus(DAMAGED, detail=str(exc))
