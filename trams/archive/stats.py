"""``archive stats``: figures for the monthly reports offices send upward.

One row per day, month or agency: documents archived (every version counts, ``versions``
says how many were new versions of an earlier document), pages, signed documents, inputs
that failed, mean OCR confidence and documents whose OCR quality needed review. Archival
dates are the archive's local dates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trams.errors import ArchiveError
from trams.i18n import _

if TYPE_CHECKING:
    from trams.archive.store import Archive

GROUPINGS = {"day": "substr({col}, 1, 10)", "month": "substr({col}, 1, 7)",
             "agency": "COALESCE(agency_code, '')"}
COLUMNS = ("period", "documents", "versions", "pages", "signed", "failed",
           "mean_confidence", "needs_review")


def stats(a: Archive, *, by: str = "month") -> list[dict]:
    if by not in GROUPINGS:
        raise ArchiveError(_("cannot group statistics by '{by}'", by=by),
                           hint=_('Use "day", "month" or "agency".'), code="grouping_unknown")
    docs = GROUPINGS[by].format(col="archived_at")
    rows: dict[str, dict] = {}
    for r in a.state.query(
            f"SELECT {docs} AS k, COUNT(*) AS documents,"
            " SUM(version > 1) AS versions, COALESCE(SUM(page_count), 0) AS pages,"
            " SUM(signed) AS signed, AVG(mean_confidence) AS mean_confidence,"
            " SUM(quality_verdict IS NOT NULL AND quality_verdict NOT IN ('ok', 'passed'))"
            " AS needs_review FROM documents WHERE stage = 'done' GROUP BY k"):
        rows[r["k"]] = {"period": r["k"], "documents": r["documents"],
                        "versions": r["versions"] or 0, "pages": r["pages"],
                        "signed": r["signed"] or 0, "failed": 0,
                        "mean_confidence": (round(r["mean_confidence"], 1)
                                            if r["mean_confidence"] is not None else None),
                        "needs_review": r["needs_review"] or 0}
    failed = GROUPINGS[by].format(col="updated")
    for r in a.state.query(f"SELECT {failed} AS k, COUNT(*) AS n FROM items"
                           " WHERE status = 'failed' GROUP BY k"):
        row = rows.setdefault(r["k"], {c: 0 for c in COLUMNS} | {"period": r["k"],
                                                                 "mean_confidence": None})
        row["failed"] = r["n"]
    return [rows[k] for k in sorted(rows)]
