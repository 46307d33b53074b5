"""Reports for the provincial IOC and the LRIC/GRIC systems: ``trams archive report``.

Per month, agency or document type, over the documents *digitized* (archived) in a
period: records and documents, pages, documents carrying both the leader's and the
agency's signatures, how many verified TOTAL_PASSED when last verified (at archiving) and
their share, documents whose OCR needed review, and administrative-procedure dossiers
(Circular 01/2023 dossier codes, or records signed under the one-stop ``dossier``
profile). The figures come from the search index's document table (current version of
each document); the index's freshness is part of the result, so a stale index is said,
never hidden.

Formats: CSV with stable column names (:data:`COLUMNS`) and a UTF-8 byte-order mark (it is
opened in Excel), JSON, and a self-contained HTML page (:mod:`.report_html`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from trams.archive.index import IndexStatus, SearchIndex, index_folder
from trams.archive.store import Archive
from trams.errors import InputError
from trams.i18n import _

GROUPS = {"month": "substr(archived, 1, 7)", "agency": "COALESCE(agency, '')",
          "type": "COALESCE(type_code, '')"}
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
                             hint=_("Use month, agency or type."))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InputError(_("--from {start} is after --to {end}", start=self.date_from,
                               end=self.date_to))


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

    def to_dict(self) -> dict[str, Any]:
        return {"archive": self.archive, "by": self.by,
                "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None,
                "generated": self.generated, "columns": list(COLUMNS),
                "rows": [r.to_dict() for r in self.rows], "total": self.total.to_dict(),
                "agencies": list(self.agencies), "index": self.index.to_dict()}


_AGGREGATE = """
    COUNT(DISTINCT record_code) AS records, COUNT(*) AS documents,
    COALESCE(SUM(pages), 0) AS pages,
    SUM(roles LIKE '%"leader"%' AND roles LIKE '%"agency"%') AS dual_signed,
    SUM(verdict = 'TOTAL_PASSED') AS verified_passed,
    SUM(quality IN ('review', 'failed')) AS ocr_review,
    COUNT(DISTINCT dossier) AS dossiers
"""


def _row(by: str, group: str, r: Any) -> ReportRow:
    return ReportRow(by=by, group=group, records=r["records"] or 0,
                     documents=r["documents"] or 0, pages=r["pages"] or 0,
                     dual_signed=r["dual_signed"] or 0, verified_passed=r["verified_passed"] or 0,
                     ocr_review=r["ocr_review"] or 0, dossiers=r["dossiers"] or 0)


def report(root: Path, options: ReportOptions) -> Report:
    """The figures of the archive at ``root`` (read only; needs its search index)."""
    where, args = ["1"], []
    if options.date_from:
        where.append("substr(archived, 1, 10) >= ?")
        args.append(options.date_from.isoformat())
    if options.date_to:
        where.append("substr(archived, 1, 10) <= ?")
        args.append(options.date_to.isoformat())
    cond = " AND ".join(where)
    with Archive.open(root, writer=False) as archive, \
            SearchIndex.open(index_folder(archive), writer=False) as index:
        status = index.status(archive.state.head())
        group = GROUPS[options.by]
        rows = tuple(_row(options.by, r["g"], r) for r in index.query_rows(
            f"SELECT {group} AS g, {_AGGREGATE} FROM docs WHERE {cond} GROUP BY g ORDER BY g",
            *args))
        total = _row(TOTAL, TOTAL, index.query_rows(
            f"SELECT {_AGGREGATE} FROM docs WHERE {cond}", *args)[0])
        agencies = tuple(r[0] for r in index.query_rows(
            f"SELECT DISTINCT agency FROM docs WHERE {cond} ORDER BY agency", *args) if r[0])
        return Report(archive=str(archive.root), by=options.by, date_from=options.date_from,
                      date_to=options.date_to,
                      generated=datetime.now().astimezone().isoformat(timespec="seconds"),
                      rows=rows, total=total, agencies=agencies, index=status)


def to_csv(result: Report) -> bytes:
    """UTF-8 with a byte-order mark (Excel reads Vietnamese correctly), CRLF line ends,
    the fixed :data:`COLUMNS`; the last row is the total."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in (*result.rows, result.total):
        writer.writerow(row.to_dict())
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
