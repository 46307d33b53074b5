"""The JSON quality report written beside a PDF on request (``NAME.quality.json``).

Schema (``schema_version`` 1): the PDF (path, pages, bytes, sha256, pdfa level), the
document's source name, OCR verdict (ok/review/failed) and notes, dropped pages, and per
page its source file and index with :meth:`trams.models.PageQuality.to_dict`.
"""

from __future__ import annotations

import json
from pathlib import Path

from trams.fs import atomic_write_bytes
from trams.models import BornDigitalDocument, RecognizedDocument
from trams.pdf.assemble import PdfResult

REPORT_SCHEMA_VERSION = 1


def quality_report(document: RecognizedDocument | BornDigitalDocument,
                   result: PdfResult) -> dict:
    """The report; a born-digital document (``"born_digital": true``) has no OCR figures:
    each page gives its kind (text, ocr_layer, image, vector, empty)."""
    report = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "pdf": result.to_dict(),
        "document": document.source.name,
        "verdict": document.verdict,
        "notes": list(document.notes),
        "dropped_pages": [{"file": str(p.path), "index": p.index}
                          for p in document.source.dropped_pages],
    }
    if isinstance(document, BornDigitalDocument):
        report["born_digital"] = True
        report["pages"] = [{"number": n, "file": str(p.path), "index": p.index, "kind": kind}
                           for n, (p, kind) in enumerate(
                               zip(document.source.pages, document.page_kinds, strict=False),
                               start=1)]
        return report
    report["pages"] = [{"number": n, "file": str(p.source.path), "index": p.source.index,
                        **p.quality.to_dict()} for n, p in enumerate(document.pages, start=1)]
    return report


def write_report(document: RecognizedDocument | BornDigitalDocument, result: PdfResult,
                 dest: Path) -> Path:
    data = json.dumps(quality_report(document, result), ensure_ascii=False, indent=2)
    atomic_write_bytes(dest, data.encode("utf-8") + b"\n")
    return dest
