"""Finding records again: ``trams archive search`` and ``trams archive show``.

:func:`search` parses the query (:mod:`.query`), asks the index (:mod:`.index`) for the
best documents under the filters, and cuts a snippet around the hits from each document's
text in its bag (the sidecar text, else the PDF's text layer). :func:`show` describes one
record or document from the state and the bags alone (it needs no index). Both only read:
they work on a read-only copy of an archive.
"""

from __future__ import annotations

import calendar
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from trams.archive import query as q
from trams.archive import vitext
from trams.archive.index import index_folder, state_rows
from trams.archive.index_entry import describe, document_files, load_text
from trams.archive.index_query import Filters
from trams.archive.layout import PAYLOAD_DIR, RECORD_JSON, versioned
from trams.archive.search_index import IndexStatus, SearchIndex
from trams.archive.store import Archive
from trams.errors import ExitCode, InputError
from trams.fs import read_json_object
from trams.i18n import _

SNIPPET_WORDS = 32
MAX_LIMIT = 1000


@dataclass(frozen=True)
class SearchOptions:
    query: str
    agency: str | None = None
    date_from: date | None = None  # the document's issue date (else its archiving date)
    date_to: date | None = None
    doc_type: str | None = None  # typeName code (e.g. 02) or notation (QĐ)
    signer: str | None = None
    record: str | None = None
    limit: int = 10
    snippets: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InputError(_("--limit must be between 1 and {max}", max=MAX_LIMIT),
                             code="limit_out_of_range")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InputError(_("--from {start} is after --to {end}", start=self.date_from,
                               end=self.date_to), code="date_range_reversed")

    def filters(self) -> Filters:
        return Filters(agency=self.agency, record=self.record, doc_type=self.doc_type,
                       signer=self.signer,
                       day_from=int(self.date_from.strftime("%Y%m%d")) if self.date_from
                       else None,
                       day_to=int(self.date_to.strftime("%Y%m%d")) if self.date_to else None)


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) offsets of the hits in text

    def parts(self) -> list[tuple[str, bool]]:
        """The text cut into (piece, is_hit) pieces, for renderers."""
        out, pos = [], 0
        for start, end in self.highlights:
            if start > pos:
                out.append((self.text[pos:start], False))
            out.append((self.text[start:end], True))
            pos = end
        if pos < len(self.text):
            out.append((self.text[pos:], False))
        return out


@dataclass(frozen=True)
class SearchHit:
    rank: int
    score: float
    doc_code: str
    record_code: str
    title: str | None
    subject: str | None
    date: str | None  # issue date, else archiving date (ISO)
    agency: str
    doc_type: str | None
    notation: str | None
    path: str  # the archived PDF
    snippet: Snippet | None

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "score": round(self.score, 4), "doc_code": self.doc_code,
                "record_code": self.record_code, "title": self.title, "subject": self.subject,
                "date": self.date, "agency": self.agency, "type": self.doc_type,
                "notation": self.notation, "path": self.path,
                "snippet": self.snippet.text if self.snippet else None,
                "highlights": [list(h) for h in self.snippet.highlights] if self.snippet
                else []}


CSV_COLUMNS = ("rank", "score", "doc_code", "record_code", "title", "subject", "date",
               "agency", "type", "notation", "path", "snippet")


@dataclass(frozen=True)
class SearchReport:
    query: str
    total: int  # documents matching (hits holds the first `limit`)
    hits: tuple[SearchHit, ...]
    index: IndexStatus
    milliseconds: float  # the index query alone
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "filters": self.filters, "total": self.total,
                "hits": [h.to_dict() for h in self.hits], "index": self.index.to_dict(),
                "milliseconds": round(self.milliseconds, 2)}


def parse_day(text: str, *, end: bool = False) -> date:
    """A day from YYYY-MM-DD, DD/MM/YYYY, YYYY-MM or YYYY (a month or a year starts on its
    first day, or ends on its last with ``end``)."""
    value = text.strip()
    try:
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", value):
            year, month = int(m[1]), int(m[2])
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 12, 31) if end else date(int(value), 1, 1)
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(_("'{value}' is not a date", value=text),
                         hint=_("Write it as YYYY-MM-DD, DD/MM/YYYY, YYYY-MM or YYYY."),
                         code="date_invalid") from None


# --- snippets -------------------------------------------------------------------------------
def _hit_words(words: list[tuple[str, str]], terms: list[q.Term | q.Phrase]
               ) -> dict[int, int]:
    """{word index: term number} of the words that match a term or belong to a phrase."""
    hits: dict[int, int] = {}
    for number, term in enumerate(terms):
        if isinstance(term, q.Term):
            for i, (exact, folded) in enumerate(words):
                if q.matches(term, exact, folded):
                    hits.setdefault(i, number)
            continue
        size = len(term.terms)
        for i in range(len(words) - size + 1):
            if all(q.matches(t, *words[i + k]) for k, t in enumerate(term.terms)):
                for k in range(size):
                    hits.setdefault(i + k, number)
    return hits


def make_snippet(text: str, terms: list[q.Term | q.Phrase], *,
                 width: int = SNIPPET_WORDS) -> Snippet | None:
    """About ``width`` words of ``text`` around the most distinct hits, or None."""
    text = vitext.nfc(text)
    spans = [m.span() for m in vitext.WORD.finditer(text)]
    words = [(text[s:e].lower(), vitext.fold(text[s:e])) for s, e in spans]
    hits = _hit_words(words, terms)
    if not hits:
        return None
    best, best_key = 0, (-1, -1)
    for h in sorted(hits):
        start = max(0, h - 4)
        inside = [hits[i] for i in hits if start <= i < start + width]
        key = (len(set(inside)), len(inside))
        if key > best_key:
            best, best_key = start, key
    end = min(len(spans), best + width)
    out: list[str] = ["…"] if best > 0 else []
    length = len(out[0]) if out else 0
    marks: list[tuple[int, int]] = []
    for i in range(best, end):
        if i > best:
            sep = re.sub(r"\s+", " ", text[spans[i - 1][1]:spans[i][0]])
            out.append(sep)
            length += len(sep)
        word = text[spans[i][0]:spans[i][1]]
        if i in hits:
            if marks and marks[-1][1] == length - 1 and out[-1] == " " and i - 1 in hits:
                marks[-1] = (marks[-1][0], length + len(word))  # one mark for a phrase
            else:
                marks.append((length, length + len(word)))
        out.append(word)
        length += len(word)
    if end < len(spans):
        out.append(" …")
    return Snippet("".join(out), tuple(marks))


# --- search ---------------------------------------------------------------------------------
def open_reader(root: Path) -> Archive:
    return Archive.open(root, writer=False)


def search(root: Path, options: SearchOptions) -> SearchReport:
    """Ranked documents for ``options`` in the archive at ``root`` (read only)."""
    node = q.parse(options.query)
    terms = q.positive_terms(node)
    with open_reader(root) as archive, \
            SearchIndex.open(index_folder(archive), writer=False) as index:
        status = index.status(archive.state.head(), archive.state.identity())
        t0 = time.perf_counter()
        total, found = index.search(node, options.filters(), limit=options.limit)
        elapsed = (time.perf_counter() - t0) * 1000
        ids = [i for _score, i in found]
        rows = {r["id"]: r for r in state_rows(
            archive, f"rowid IN ({','.join('?' * len(ids))})", *ids)} if ids else {}

        def hit(args: tuple[int, tuple[float, int]]) -> SearchHit | None:
            rank, (score, row_id) = args
            row = rows.get(row_id)
            if row is None:  # a stale index: the row is gone
                return None
            about = describe(archive.root, row)
            pdf = f"{row['folder']}/{PAYLOAD_DIR}/{row['pdf']}"
            snippet = None
            if options.snippets:
                text, _source = load_text(archive.root, pdf, about.text_file)
                snippet = make_snippet(text, terms) or make_snippet(" — ".join(
                    str(v) for v in (about.subject, about.title, about.notation,
                                     row["doc_code"]) if v), terms)
            return SearchHit(
                rank=rank, score=score, doc_code=row["doc_code"],
                record_code=row["record_code"], title=about.title, subject=about.subject,
                date=(about.issued.isoformat() if about.issued
                      else (row["archived_at"] or "")[:10] or None),
                agency=row["agency_code"] or "", doc_type=about.type_code,
                notation=about.notation, path=str(archive.root / pdf), snippet=snippet)

        with ThreadPoolExecutor(max_workers=2) as pool:  # pdftotext runs in parallel
            made = [h for h in pool.map(hit, enumerate(found, 1)) if h is not None]
    filters = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (
        ("agency", options.agency), ("from", options.date_from), ("to", options.date_to),
        ("type", options.doc_type), ("signer", options.signer), ("record", options.record))
        if v}
    return SearchReport(query=options.query, total=total, hits=tuple(made), index=status,
                        milliseconds=elapsed, filters=filters)


# --- show -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShownDocument:
    doc_code: str
    sequence: int
    fields: dict[str, Any]
    versions: tuple[dict[str, Any], ...]  # version, sha256, size, archived_at, pdf, exists
    signatures: tuple[dict[str, Any], ...]
    verdict: str | None  # the signatures' verdict when last verified (at archiving)
    verified_at: str | None
    quality: dict[str, Any]
    paths: dict[str, str | None]

    @property
    def damaged(self) -> bool:
        return not self.versions[-1]["exists"]

    def to_dict(self) -> dict[str, Any]:
        return {"doc_code": self.doc_code, "sequence": self.sequence, "fields": self.fields,
                "versions": list(self.versions), "signatures": list(self.signatures),
                "verdict": self.verdict, "verified_at": self.verified_at,
                "quality": self.quality, "paths": self.paths, "damaged": self.damaged}


@dataclass(frozen=True)
class ShowReport:
    kind: str  # record | document
    code: str
    record_code: str
    folder: str
    agency: str | None
    record: dict[str, Any]
    record_version: int
    documents: tuple[ShownDocument, ...]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "code": self.code, "record_code": self.record_code,
                "folder": self.folder, "agency": self.agency, "record": self.record,
                "record_version": self.record_version,
                "documents": [d.to_dict() for d in self.documents]}


def _quality_summary(quality: dict) -> dict[str, Any]:
    pages = [p for p in quality.get("pages", []) if isinstance(p, dict)]
    confidences = [p["mean_confidence"] for p in pages
                   if isinstance(p.get("mean_confidence"), int | float)]
    mean = quality.get("mean_confidence")
    if not isinstance(mean, int | float) and confidences:
        mean = sum(confidences) / len(confidences)
    return {"verdict": quality.get("verdict"), "pages": len(pages) or None,
            "mean_confidence": round(float(mean), 1) if isinstance(mean, int | float) else None,
            "notes": list(quality.get("notes", []))[:10],
            "dropped_pages": len(quality.get("dropped_pages", []))}


def show(root: Path, code: str) -> ShowReport:
    """One record (by its fileCode) or one document (by its docCode)."""
    code = vitext.nfc(code.strip())
    with open_reader(root) as archive:
        docs = archive.state.documents()
        mine = [d for d in docs if d["doc_code"] == code]
        kind = "document"
        if not mine:
            mine = [d for d in docs if d["record_code"] == code]
            kind = "record"
        if not mine:
            raise InputError(_("no record or document with the code {code} in this archive",
                               code=code), path=archive.root,
                             hint=_('Look for it with `trams archive search "{code}"`.',
                                    code=code), code="code_not_found")
        folder = mine[0]["folder"]
        rec = archive.state.record(folder) or {}
        record_version = int(rec.get("version") or 1)
        record_json = archive.root / folder / PAYLOAD_DIR / versioned(
            RECORD_JSON, record_version, ".json")
        record_data = read_json_object(record_json)
        shown = []
        for sequence in sorted({d["sequence"] for d in mine}):
            versions = archive.state.versions(folder, sequence)
            current = versions[-1]
            _folder, doc_json, _rec = document_files(archive.root, current)
            data = read_json_object(doc_json)
            pdf = archive.root / folder / PAYLOAD_DIR / current["pdf"]
            sidecar = data.get("sidecar")
            shown.append(ShownDocument(
                doc_code=current["doc_code"], sequence=sequence,
                fields=data.get("fields") or {},
                versions=tuple({"version": v["version"], "sha256": v["sha256"],
                                "size": v["size"], "archived_at": v["archived_at"],
                                "pdf": str(archive.root / v["folder"] / PAYLOAD_DIR / v["pdf"]),
                                "exists": (archive.root / v["folder"] / PAYLOAD_DIR
                                           / v["pdf"]).is_file()} for v in versions),
                signatures=tuple({k: s.get(k) for k in ("role", "signer", "signing_time",
                                                        "level")}
                                 for s in data.get("signatures") or [] if isinstance(s, dict)),
                verdict=data.get("signatureVerdict") or current.get("verdict"),
                verified_at=data.get("archivedAt") or current.get("archived_at"),
                quality=_quality_summary(data.get("quality") or {}),
                paths={"pdf": str(pdf), "metadata": str(doc_json),
                       "text": str(pdf.with_name(sidecar)) if isinstance(sidecar, str)
                       else None, "bag": str(archive.root / folder)}))
        return ShowReport(kind=kind, code=code, record_code=mine[0]["record_code"],
                          folder=str(archive.root / folder),
                          agency=record_data.get("agencyCode") or mine[0].get("agency_code"),
                          record=record_data.get("record") or {},
                          record_version=record_version, documents=tuple(shown))
