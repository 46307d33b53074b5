"""The IOC report as one self-contained HTML page: a table and two small inline SVG charts.

No JavaScript, no font, style sheet or image from the network: the file can be mailed,
opened offline and printed. Text in Vietnamese or English (``lang``).
"""

from __future__ import annotations

from html import escape

from trams.archive.report import COLUMNS, Report, ReportRow
from trams.i18n import N_, translate_to

LABELS = {
    "group": {"month": N_("Month"), "agency": N_("Agency"), "type": N_("Document type")},
    "records": N_("Records"),
    "documents": N_("Documents"),
    "pages": N_("Pages"),
    "dual_signed": N_("Leader + agency signed"),
    "verified_passed": N_("Verified TOTAL_PASSED"),
    "verified_passed_pct": N_("Verified (%)"),
    "ocr_review": N_("Needing OCR review"),
    "dossiers": N_("One-stop dossiers"),
}
TEXTS = {
    "title": N_("Digitization report"),
    "period": N_("Period"),
    "grouped": N_("Grouped by"),
    "agencies": N_("Agencies"),
    "archive": N_("Archive"),
    "made": N_("Made"),
    "total": N_("Total"),
    "chart_documents": N_("Documents digitized"),
    "chart_verified": N_("Share verified TOTAL_PASSED (%)"),
    "stale": N_("The search index is not up to date ({state}): some documents may be missing "
                "from these figures. Run `trams archive reindex`, then make the report again."),
    "note": N_("Verified: the signatures' verdict when the document was last verified (at "
               "archiving). One-stop dossiers: records with a dossier code of Circular "
               "01/2023/TT-VPCP, or signed under the dossier profile."),
}
CSS = """
body{font-family:"Liberation Sans",Arial,sans-serif;margin:24px;color:#1a1a1a;max-width:980px}
h1{font-size:20px;margin:0 0 4px}p.meta{color:#555;margin:2px 0;font-size:13px}
table{border-collapse:collapse;margin:16px 0;font-size:13px;width:100%}
th,td{border:1px solid #c8ccd2;padding:4px 8px;text-align:right}
th{background:#eef1f5}td:first-child,th:first-child{text-align:left}
tr.total td{font-weight:bold;background:#f7f7f2}
.charts{display:flex;gap:24px;flex-wrap:wrap}.chart h2{font-size:14px;margin:8px 0}
.warn{color:#9a3b00;font-weight:bold}
@media print{body{margin:0}}
"""


def _t(lang: str, message: str, **params: object) -> str:
    return escape(translate_to(lang, message, **params))


def _bars(rows: tuple[ReportRow, ...], value, label, *, colour: str, unit: str = "",  # noqa: ANN001
          top: float | None = None) -> str:
    """A vertical bar chart, one bar per row, the value written above each bar."""
    width, height, pad, base = 460, 240, 28, 180
    n = max(1, len(rows))
    values = [float(value(r)) for r in rows]
    peak = top or max(values + [1.0])
    step = (width - 2 * pad) / n
    bar = min(56.0, max(4.0, step * 0.7))
    parts = [f'<svg width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">',
             f'<line x1="{pad}" y1="{base}" x2="{width - pad}" y2="{base}" stroke="#888"/>']
    for i, (row, v) in enumerate(zip(rows, values, strict=True)):
        h = (base - 20) * v / peak if peak else 0
        x = pad + i * step + (step - bar) / 2
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="{colour}"><title>{escape(label(row))}: {v:g}{unit}</title></rect>')
        if n <= 24:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{base - h - 4:.1f}" font-size="10" '
                         f'text-anchor="middle">{v:g}{unit}</text>')
        if n <= 24 or i % max(1, n // 24) == 0:  # slanted labels: long ones do not collide
            cx, cy = x + bar / 2, base + 12
            parts.append(f'<text x="{cx:.1f}" y="{cy}" font-size="10" text-anchor="end" '
                         f'transform="rotate(-40 {cx:.1f} {cy})">{escape(label(row))[:16]}'
                         "</text>")
    parts.append("</svg>")
    return "".join(parts)


def to_html(result: Report, *, lang: str = "vi") -> str:
    def t(key: str, **params: object) -> str:
        return _t(lang, TEXTS[key], **params)

    group_label = _t(lang, LABELS["group"][result.by])
    heads = [group_label] + [_t(lang, LABELS[c]) for c in COLUMNS[2:]]
    period = (f"{result.date_from.isoformat() if result.date_from else '…'} – "
              f"{result.date_to.isoformat() if result.date_to else '…'}")

    def cells(row: ReportRow, first: str) -> str:
        values = [escape(first)]
        for column in COLUMNS[2:]:
            value = row.to_dict()[column]
            values.append(f"{value:g}" if isinstance(value, float) else str(value))
        return "".join(f"<td>{v}</td>" for v in values)

    body = [f"<tr>{cells(r, r.group or '—')}</tr>" for r in result.rows]
    body.append(f'<tr class="total">{cells(result.total, translate_to(lang, TEXTS["total"]))}'
                "</tr>")
    warn = ""
    if result.index.state != "fresh":
        warn = f'<p class="warn">{t("stale", state=result.index.state)}</p>'
    charts = (
        f'<div class="charts"><div class="chart"><h2>{t("chart_documents")}</h2>'
        + _bars(result.rows, lambda r: r.documents, lambda r: r.group or "—", colour="#2f5d8a")
        + f'</div><div class="chart"><h2>{t("chart_verified")}</h2>'
        + _bars(result.rows, lambda r: r.verified_passed_pct, lambda r: r.group or "—",
                colour="#3b8a4a", unit="%", top=100.0)
        + "</div></div>")
    agencies = escape(", ".join(result.agencies) or "—")
    head_row = "".join(f"<th>{h}</th>" for h in heads)
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{t('title')}</title><style>{CSS}</style></head>"
        f"<body><h1>{t('title')}</h1>"
        f'<p class="meta">{t("period")}: {escape(period)} · {t("grouped")}: '
        f'{group_label.lower()} · {t("agencies")}: {agencies}</p>'
        f'<p class="meta">{t("archive")}: {escape(result.archive)} · {t("made")}: '
        f"{escape(result.generated)}</p>{warn}{charts}"
        f"<table><thead><tr>{head_row}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f'<p class="meta">{t("note")}</p></body></html>\n')
