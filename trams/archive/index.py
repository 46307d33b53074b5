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
from trams.archive.journal import GENESIS, Head
from trams.archive.layout import PAYLOAD_DIR, RECORD_JSON, versioned
from trams.archive.pdftext import pdf_text
from trams.archive.state import _doc
from trams.errors import ArchiveIntegrityError, ExitCode, TramsError
from trams.faults import fault
from trams.fs import fsync_dir
from trams.i18n import _

if TYPE_CHECKING:
    from trams.archive.store import Archive

log = logging.getLogger(__name__)

INDEX_DIR = "index"
TANTIVY_DIR = "tantivy"
DB_NAME = "docs.sqlite"
SCHEMA_VERSION = 2
ENGINE = f"tantivy {getattr(tantivy, '__version__', '?')}"
NEW_PREFIX, OLD_PREFIX = "index-new-", "index-old-"
# Administrative-procedure dossier codes (Circular 01/2023/TT-VPCP): receiving agency's
# code, receipt date YYMMDD, sequence of the day, optional result suffix (-KQ1).
DOSSIER = re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}(?:-KQ\d+)?\b")
META_BOOST = 2.0  # a hit in the subject, title or codes counts more than one in the text

DB_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY, type_code TEXT, issued INTEGER, roles INTEGER NOT NULL,
    dossier TEXT);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
DOC_COLUMNS = ("id", "type_code", "issued", "roles", "dossier")
ROLE_BITS = {"leader": 1, "agency": 2, "officer": 4}  # any other role: 8


class IndexUnavailableError(ArchiveIntegrityError):
    """The search index is missing, damaged or from another version: reindex."""

    code = "search_index_unavailable"


# --- what is indexed ----------------------------------------------------------------------
@dataclass(frozen=True)
class IndexEntry:
    """One archived document as the index holds it (built from its bag)."""

    id: int  # the state database's row id of this version
    replaces: tuple[int, ...]  # row ids of its earlier versions (removed from the index)
    text: str  # the text layer
    meta_text: str  # searchable metadata: codes, title, subject, organ, signers
    signer_text: str
    agency: str
    record_code: str
    types: tuple[str, ...]  # typeName code and the notation's kind (qd, ttr, ...)
    day: int | None  # yyyymmdd: issue date, else archiving date
    row: tuple  # the docs.sqlite row (DOC_COLUMNS)
    text_source: str = "given"  # given | sidecar | pdf | none
    pdf_exists: bool = True


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
        log.info("cannot read %s: %s", path, exc)
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


def role_bits(roles: Iterable[str]) -> int:
    return sum({ROLE_BITS.get(r, 8) for r in roles})


@dataclass(frozen=True)
class Described:
    """What a result shows of a document, from its bag (the document's and record's JSON)."""

    title: str | None
    subject: str | None
    type_code: str | None
    notation: str | None  # number/notation, e.g. 67/QĐ-UBND
    issued: date | None
    signers: tuple[str, ...]
    roles: tuple[str, ...]
    text_file: str | None  # the sidecar text, relative to the archive root
    record: dict
    fields: dict


def describe(root: Path, row: dict) -> Described:
    _folder, doc_json, record_json = document_files(root, row)
    doc = _read_json(doc_json)
    record = _read_json(record_json).get("record") or {}
    fields = doc.get("fields") if isinstance(doc.get("fields"), dict) else {}
    signatures = doc.get("signatures") if isinstance(doc.get("signatures"), list) else []
    signers = [str(s["signer"]) for s in signatures
               if isinstance(s, dict) and isinstance(s.get("signer"), str)]
    if isinstance(fields.get("autograph"), str):
        signers.append(fields["autograph"])
    number, notation = fields.get("codeNumber"), fields.get("codeNotation")
    return Described(
        title=record.get("title"), subject=fields.get("subject"),
        type_code=fields.get("typeName"),
        notation=f"{number}/{notation}" if number and notation else notation or number,
        issued=_vn_date(fields.get("issuedDate")), signers=tuple(signers),
        roles=tuple(roles_of(signatures)),
        text_file=(f"{row['folder']}/{PAYLOAD_DIR}/{doc['sidecar']}"
                   if isinstance(doc.get("sidecar"), str) else None),
        record=record, fields=fields)


def dossier_of(row: dict, about: Described) -> str | None:
    codes = [row["record_code"], row["doc_code"], about.record.get("paperFileCode"),
             about.fields.get("docCode"), about.record.get("keyword"),
             about.fields.get("keyword")]
    for code in codes:
        if isinstance(code, str) and (m := DOSSIER.search(code)):
            return m[0]
    if "officer" in about.roles:  # signed under the one-stop "dossier" profile
        return row["record_code"]
    return None


def entry_for(root: Path, row: dict, *, text: str | None = None,
              replaces: Iterable[int] = ()) -> IndexEntry:
    """The index entry of the archived document ``row`` (a state ``documents`` row with its
    ``id``).

    Everything comes from the bag: the document's JSON, its record's JSON, and the text:
    ``text`` when the caller has it (the run's OCR text), else the sidecar text in the bag,
    else the PDF's text layer (pdftotext). A document whose files cannot be read is indexed
    with what is left (its codes), never dropped: ``archive check`` reports the damage.
    """
    about = describe(root, row)
    pdf = root / row["folder"] / PAYLOAD_DIR / row["pdf"]
    source = "given"
    if text is None:
        text, source = load_text(root, pdf.relative_to(root).as_posix(), about.text_file)
    archived = str(row.get("archived_at") or "")
    day = about.issued or _vn_date(archived[:10]) or None
    types = [str(about.type_code)] if about.type_code else []
    notation = about.fields.get("codeNotation")
    if isinstance(notation, str) and notation.strip():
        types.append(vitext.fold(notation.split("-")[0].strip()))
    meta_parts = [row["doc_code"], row["record_code"], about.title, about.subject,
                  about.fields.get("organName"), about.notation,
                  about.record.get("paperFileCode"), about.record.get("keyword"),
                  about.fields.get("keyword"), about.record.get("description"),
                  about.fields.get("description"), *about.signers]
    return IndexEntry(
        id=int(row["id"]), replaces=tuple(i for i in replaces if i != int(row["id"])),
        text=text, meta_text="\n".join(str(p) for p in meta_parts if p),
        signer_text=" ".join(about.signers), agency=row.get("agency_code") or "",
        record_code=row["record_code"], types=tuple(types),
        day=int(day.strftime("%Y%m%d")) if day else None,
        row=(int(row["id"]), about.type_code,
             int(about.issued.strftime("%Y%m%d")) if about.issued else None,
             role_bits(about.roles), dossier_of(row, about)),
        text_source=source, pdf_exists=pdf.is_file())


def load_text(root: Path, pdf: str, text_file: str | None) -> tuple[str, str]:
    """(text, where from) of a document in its bag: the sidecar text if kept, else the
    PDF's text layer; ("", "none") when neither can be read."""
    if text_file:
        try:
            return (root / text_file).read_text(encoding="utf-8"), "sidecar"
        except OSError as exc:
            log.info("cannot read %s: %s", text_file, exc)
    if not (root / pdf).is_file():
        return "", "none"
    try:
        return pdf_text(root / pdf), "pdf"
    except TramsError as exc:  # indexed by its metadata; `archive check` judges the file
        log.info("%s", exc.one_line())
        return "", "none"


def _fold_join(text: str) -> tuple[str, str]:
    """(folded words joined by spaces, the distinct exact words that carry diacritics)."""
    exact, folded = vitext.word_pairs(text)
    keep = [i for i, w in enumerate(folded) if len(w) <= q.MAX_WORD]
    marked = sorted({exact[i] for i in keep if exact[i] != folded[i]})
    return " ".join(folded[i] for i in keep), " ".join(marked)


# --- the Tantivy part ---------------------------------------------------------------------
def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", indexed=True, fast=True)
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
    doc = tantivy.Document(text=text_fold, text_exact=text_exact, meta=meta_fold,
                           meta_exact=meta_exact, signer=_fold_join(entry.signer_text)[0],
                           agency=entry.agency, record=entry.record_code)
    doc.add_integer("id", entry.id)
    for value in entry.types:
        doc.add_text("type", value)
    if entry.day is not None:
        doc.add_integer("day", entry.day)
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
    if isinstance(node, q.All):
        return tantivy.Query.all_query()
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

    def search(self, node: q.Node, filters: Filters = Filters(), *,
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
