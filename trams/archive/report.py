"""Reports for the provincial IOC and the LRIC/GRIC systems: ``trams archive report``.

Per month, agency or document type, over the documents *digitized* (archived) in a
period: records and documents, pages, documents carrying both the leader's and the
agency's signatures, how many verified TOTAL_PASSED when last verified (at archiving) and
their share, documents whose OCR needed review, and administrative-procedure dossiers
(Circular 01/2023 dossier codes, or records signed under the one-stop ``dossier``
profile). The figures come from the state database and, for document types, signer roles
and dossier codes, from the search index (the current version of each document); the
index's freshness is part of the result, so a stale index is said, never hidden.

Formats: CSV with stable column names (:data:`COLUMNS`) and a UTF-8 byte-order mark (it is
opened in Excel), JSON, and a self-contained HTML page (rendered by trams.cli.report_html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from trams.archive.index import index_folder
from trams.archive.search_index import DOC_COLUMNS, IndexStatus, SearchIndex
from trams.archive.store import Archive
from trams.errors import ExitCode, InputError
from trams.i18n import _

GROUPS = ("month", "agency", "type")
COLUMNS = ("by", "group", "records", "documents", "pages", "dual_signed", "verified_passed",
           "verified_passed_pct", "ocr_review", "dossiers")
TOTAL = "total"


@dataclass(frozen=True)
class ReportOptions:
    date_from: date | None = None  # archiving (digitization) date, inclusive
    date_to: date | None = None
    by: str = "month"

    def __post_init__(self) -> None:
        if self.by not in GROUPS:
            raise InputError(_("cannot group the report by '{by}'", by=self.by),
                             hint=_('Use "month", "agency" or "type".'), code="grouping_unknown")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InputError(_("--from {start} is after --to {end}", start=self.date_from,
                               end=self.date_to), code="date_range_reversed")


@dataclass(frozen=True)
class ReportRow:
    by: str
    group: str
    records: int
    documents: int
    pages: int
    dual_signed: int
    verified_passed: int
    ocr_review: int
    dossiers: int

    @property
    def verified_passed_pct(self) -> float:
        return round(100 * self.verified_passed / self.documents, 1) if self.documents else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in COLUMNS}


@dataclass(frozen=True)
class Report:
    archive: str
    by: str
    date_from: date | None
    date_to: date | None
    generated: str
    rows: tuple[ReportRow, ...]
    total: ReportRow
    agencies: tuple[str, ...]
    index: IndexStatus
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"archive": self.archive, "by": self.by,
                "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None,
                "generated": self.generated, "columns": list(COLUMNS),
                "rows": [r.to_dict() for r in self.rows], "total": self.total.to_dict(),
                "agencies": list(self.agencies), "index": self.index.to_dict()}


class _Totals:
    def __init__(self) -> None:
        self.records: set[str] = set()
        self.dossiers: set[str] = set()
        self.documents = self.pages = self.dual = self.passed = self.review = 0

    def add(self, row: Any, extra: tuple) -> None:
        _id, _type, _issued, roles, dossier = extra
        self.records.add(row["record_code"])
        if dossier:
            self.dossiers.add(dossier)
        self.documents += 1
        self.pages += row["page_count"] or 0
        self.dual += (roles & 3) == 3  # leader and agency
        self.passed += row["verdict"] == "TOTAL_PASSED"
        self.review += row["quality_verdict"] in ("review", "failed")

    def row(self, by: str, group: str) -> ReportRow:
        return ReportRow(by=by, group=group, records=len(self.records),
                         documents=self.documents, pages=self.pages, dual_signed=self.dual,
                         verified_passed=self.passed, ocr_review=self.review,
                         dossiers=len(self.dossiers))


def report(root: Path, options: ReportOptions) -> Report:
    """The figures of the archive at ``root`` (read only; needs its search index for the
    document types, signer roles and dossier codes, and counts what it holds: the current
    version of each document)."""
    start = options.date_from.isoformat() if options.date_from else ""
    end = options.date_to.isoformat() if options.date_to else "9999"
    with Archive.open(root, writer=False) as archive, \
            SearchIndex.open(index_folder(archive), writer=False) as index:
        status = index.status(archive.state.head(), archive.state.identity())
        extra = {r[0]: tuple(r) for r in index.db.execute(
            f"SELECT {', '.join(DOC_COLUMNS)} FROM docs")}
        groups: dict[str, _Totals] = {}
        total = _Totals()
        agencies: set[str] = set()
        for row in archive.state.query(
                "SELECT rowid AS id, record_code, agency_code, page_count, verdict,"
                " quality_verdict, archived_at FROM documents WHERE stage = 'done'"):
            more = extra.get(row["id"])
            day = (row["archived_at"] or "")[:10]
            if more is None or not start <= day <= end:
                continue
            key = {"month": day[:7], "agency": row["agency_code"] or "",
                   "type": more[1] or ""}[options.by]
            groups.setdefault(key, _Totals()).add(row, more)
            total.add(row, more)
            if row["agency_code"]:
                agencies.add(row["agency_code"])
        return Report(archive=str(archive.root), by=options.by, date_from=options.date_from,
                      date_to=options.date_to,
                      generated=datetime.now().astimezone().isoformat(timespec="seconds"),
                      rows=tuple(groups[k].row(options.by, k) for k in sorted(groups)),
                      total=total.row(TOTAL, TOTAL), agencies=tuple(sorted(agencies)),
                      index=status)
