"""The quality gate a clerk reads: per page figures, per document verdict ok/review/failed.

Thresholds come from ``[ocr]`` in trams.toml (through :class:`ScanOptions`). Problem codes
are machine-readable; :func:`problem_text` gives the sentence for a report.
"""

from __future__ import annotations

from trams.scanning.limits import below_minimum
from trams.scanning.options import ScanOptions

from trams.i18n import _
from trams.models import Line, PageQuality

OK, REVIEW, FAILED = "ok", "review", "failed"
# Recorded for the report, but no reason on their own to review a page.
INFORMATIONAL = frozenset({"dpi_assumed"})
_RANK = {OK: 0, REVIEW: 1, FAILED: 2}


def page_quality(lines: tuple[Line, ...], *, dpi: float, skew: float, rotation: int,
                 blank: bool, problems: list[str], options: ScanOptions) -> PageQuality:
    words = [w for line in lines for w in line.words]
    confs = [w.confidence for w in words]
    mean = sum(confs) / len(confs) if confs else 0.0
    low = sum(1 for c in confs if c < options.low_confidence) / len(confs) if confs else 0.0
    found = list(problems)
    if below_minimum(dpi, options.min_dpi) and "low_dpi" not in found:
        found.append("low_dpi")
    if not blank and options.engine != "null":
        if not words:
            found.append("no_text")
        elif mean < options.fail_mean_confidence:
            found.append("very_low_confidence")
        elif mean < options.review_mean_confidence:
            found.append("low_confidence")
        if words and low > options.review_low_share:
            found.append("many_low_confidence_words")
    return PageQuality(dpi=dpi, skew_degrees=skew, rotation_fixed=rotation,
                       mean_confidence=mean, low_confidence_share=low, word_count=len(words),
                       blank=blank, problems=tuple(found))


def page_verdict(quality: PageQuality) -> str:
    if "very_low_confidence" in quality.problems or "no_text" in quality.problems:
        return FAILED
    if set(quality.problems) - INFORMATIONAL:
        return REVIEW
    return OK


def document_verdict(qualities: list[PageQuality]) -> str:
    """The worst page decides; a document with no page at all has failed."""
    if not qualities:
        return FAILED
    return max((page_verdict(q) for q in qualities), key=_RANK.__getitem__)


def problem_text(code: str) -> str:
    texts = {
        "low_dpi": _("scanned under the minimum resolution"),
        "no_text": _("no text recognized"),
        "very_low_confidence": _("recognition confidence very low"),
        "low_confidence": _("recognition confidence low"),
        "many_low_confidence_words": _("many words recognized with low confidence"),
        "dpi_assumed": _("resolution not in the file, default used"),
        "orientation_uncertain": _("page orientation uncertain"),
    }
    return texts.get(code, code)
