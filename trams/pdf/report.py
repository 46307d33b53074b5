"""The JSON quality report written beside a PDF on request (``NAME.quality.json``).

Schema (``schema_version`` 1, :meth:`trams.models.QualityReport.to_dict`): the PDF (path,
pages, bytes, sha256, pdfa level), the document's source name, OCR verdict
(ok/review/failed) and notes, dropped pages, and per page its source file and index with
:meth:`trams.models.PageQuality.to_dict`; a born-digital document (``"born_digital":
true``) has no OCR figures: each page gives its kind (text, ocr_layer, image, vector,
empty).
"""

from __future__ import annotations

import json
from pathlib import Path

from trams.fs import atomic_write_bytes
from trams.models import BornDigitalDocument, QualityReport, RecognizedDocument
from trams.pdf.result import PdfResult


def quality_report(document: RecognizedDocument | BornDigitalDocument,
                   result: PdfResult) -> QualityReport:
    return QualityReport.of(document, result.to_dict())


def write_report(report: QualityReport, dest: Path) -> Path:
    data = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    atomic_write_bytes(dest, data.encode("utf-8") + b"\n")
    return dest
