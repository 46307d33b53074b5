"""Scanning: from a scanner's files to upright, straight, recognized pages in documents.

Public API (everything else is internal)::

    from trams.scanning import (ScanOptions, discover, recognize_documents,
                                DocumentFailure, InputFailure, CoverSheet, write_coversheets)

    options = ScanOptions.from_config(config.ocr, config.inbox, config.pdfa,
                                      accept_low_dpi=None, default_dpi=None)  # flags win
    # or ScanOptions.from_trams_config(config, **flag_overrides)

    found = discover(inputs: Sequence[Path], *, grouping="file" | "folder" | "coversheet",
                     default_dpi: float | None = None,
                     keep_ocr_layer: bool = False,
                     links="refuse" | "inside" | "follow") -> Discovery  # symbolic links
    found.documents  # tuple[DocumentSource, ...]  (cover-sheet metadata attached;
                     # .born_digital: a PDF whose text is kept, converted as it is)
    found.failures   # tuple[InputFailure, ...]     (.path, .error: TramsError, .to_dict())

    for result in recognize_documents(found.documents, options, *, jobs: int,
                                      workdir: Path):
        # result: RecognizedDocument (pages with EncodedImage already written under
        # workdir, lines in reading order, PageQuality, verdict ok/review/failed),
        # BornDigitalDocument (no OCR: its text, page kinds, notes; write_pdfa converts
        # it as it is) or DocumentFailure (.source, .error: TramsError, .to_dict())
        ...

    # pool=: a trams.scanning.pool.PagePool instead of this machine's processes, e.g.
    # trams.scanning.cluster.open_pool(cluster_config, options) (Dask; docs/cluster.md)

    check_engine(options)  # DependencyError early (tesseract / language data missing;
                           # a missing image decoder, jbig2dec, raises when first met)
    write_coversheets([CoverSheet(record=RecordMetadata, document=DocumentMetadata)],
                      dest: Path) -> Path
    problem_text(code) -> str   # sentence for a PageQuality.problems code

Lower level, for tests and tools: ``trams.scanning.engine`` (OcrEngine protocol,
TesseractEngine, NullEngine), ``trams.scanning.tesseract`` (the external program),
``trams.scanning.cleanup`` (measure_skew, rotate_fine, turn_upright, is_blank),
``trams.scanning.ingest`` (inspect_file, page_count, load_page),
``trams.scanning.worker.process_page``.

ScanOptions (frozen, picklable) holds: languages, engine ("tesseract" | "null"), deskew,
rotate_pages, keep_original_pixels, timeout_seconds, the quality thresholds
(low_confidence, review_mean_confidence, fail_mean_confidence, review_low_share),
default_dpi, min_dpi, accept_low_dpi, drop_blank_pages, blank_threshold, lossless,
jpeg_quality, keep_ocr_layer, drop_red_ink, read_line_height, pdfa_level.
``keep_original_pixels``: right-angle turns (lossless) are still applied, the fine
deskew rotation is not; OCR runs on a straightened copy and word boxes are moved back
onto the original pixels.

Inputs (:mod:`.ingest`, :mod:`.pdf_input`, :mod:`.limits`): resolution compared with a
tolerance, refused outside 50-2400 dpi or stretched more than 2x (fax modes excepted); the
decompression-bomb limit follows the page's physical size; PDF pages read from their
content streams (scan, scan with an OCR layer, born-digital text, vector, empty), their
image decoded in any colour space (JBIG2 through jbig2dec), layered pages rendered.

Per page (worker): load -> ink? -> deskew (skews that move a line by under 0.02 inch are
left alone) -> OCR of the image handed to Tesseract (:mod:`.ocr_image`: red ink dropped,
negative pages inverted, square pixels, tall text read from a smaller copy) ->
(orientation check only when the result looks sideways/upside down: OSD, turn, OCR
again) -> two-column reading order -> blank? -> quality -> encode_page (the archived
page keeps its colours). PageQuality.problems codes: low_dpi, dpi_assumed
(informational), no_text, very_low_confidence, low_confidence,
many_low_confidence_words, orientation_uncertain. Verdict: failed if a page has no text
or very low confidence, review for any other problem, else ok; the worst page decides.

Only batch-level problems raise (DependencyError). Everything about one file or one
document comes back as a failure record, and the rest of the batch goes on.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The public names, loaded on first use (PEP 562): a worker process that imports
# trams.scanning.worker then holds only what pages need, not the cover sheets' QR codes
# or the grouping of inputs (about 15 MB less in every OCR worker).
_EXPORTS = {
    "CoverSheet": "trams.scanning.coversheet",
    "find_coversheet": "trams.scanning.coversheet",
    "write_coversheets": "trams.scanning.coversheet",
    "discover": "trams.scanning.grouping",
    "natural_key": "trams.scanning.grouping",
    "ScanOptions": "trams.scanning.options",
    "document_verdict": "trams.scanning.quality",
    "problem_text": "trams.scanning.quality",
    "check_engine": "trams.scanning.recognize",
    "recognize_documents": "trams.scanning.recognize",
    "Discovery": "trams.models",
    "DocumentFailure": "trams.models",
    "InputFailure": "trams.models",
}

if TYPE_CHECKING:
    from trams.scanning.coversheet import CoverSheet, find_coversheet, write_coversheets
    from trams.scanning.grouping import discover, natural_key
    from trams.scanning.options import ScanOptions
    from trams.scanning.quality import document_verdict, problem_text
    from trams.scanning.recognize import check_engine, recognize_documents

    from trams.models import Discovery, DocumentFailure, InputFailure


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "CoverSheet",
    "Discovery",
    "DocumentFailure",
    "InputFailure",
    "ScanOptions",
    "check_engine",
    "discover",
    "document_verdict",
    "find_coversheet",
    "natural_key",
    "problem_text",
    "recognize_documents",
    "write_coversheets",
]
