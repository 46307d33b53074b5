"""Scanning: from a scanner's files to upright, straight, recognized pages in documents.

Public API (everything else is internal)::

    from trams.scanning import (ScanOptions, discover, recognize_documents,
                                DocumentFailure, InputFailure, CoverSheet, write_coversheets)

    options = ScanOptions.from_config(config.ocr, config.inbox, config.pdfa,
                                      accept_low_dpi=None, default_dpi=None)  # flags win
    # or ScanOptions.from_trams_config(config, **flag_overrides)

    found = discover(inputs: Sequence[Path], *, grouping="file" | "folder" | "coversheet",
                     default_dpi: float | None = None,
                     links="refuse" | "inside" | "follow") -> Discovery  # symbolic links
    found.documents  # tuple[DocumentSource, ...]  (cover-sheet metadata attached)
    found.failures   # tuple[InputFailure, ...]     (.path, .error: TramsError, .to_dict())

    for result in recognize_documents(found.documents, options, *, jobs: int,
                                      workdir: Path):
        # result: RecognizedDocument (pages with EncodedImage already written under
        # workdir, lines in reading order, PageQuality, verdict ok/review/failed)
        # or DocumentFailure (.source, .error: TramsError, .to_dict())
        ...

    check_engine(options)  # DependencyError early (tesseract / language data missing)
    write_coversheets([CoverSheet(record=RecordMetadata, document=DocumentMetadata)],
                      dest: Path) -> Path
    problem_text(code) -> str   # sentence for a PageQuality.problems code

Lower level, for tests and tools: ``trams.scanning.engine`` (OcrEngine protocol,
TesseractEngine, NullEngine), ``trams.scanning.tesseract`` (the external program),
``trams.scanning.cleanup`` (measure_skew, rotate_fine, turn_upright, is_blank),
``trams.scanning.ingest`` (page_count, load_page), ``trams.scanning.worker.process_page``.

ScanOptions (frozen, picklable) holds: languages, engine ("tesseract" | "null"), deskew,
rotate_pages, keep_original_pixels, timeout_seconds, the quality thresholds
(low_confidence, review_mean_confidence, fail_mean_confidence, review_low_share),
default_dpi, min_dpi, accept_low_dpi, drop_blank_pages, blank_threshold, lossless,
jpeg_quality. ``keep_original_pixels``: right-angle turns (lossless) are still applied, the
fine deskew rotation is not; OCR runs on a straightened copy and word boxes are moved back
onto the original pixels.

Per page (worker): load -> blank? -> deskew -> OCR -> (orientation check only when the
result looks sideways/upside down: OSD, turn, OCR again) -> two-column reading order ->
quality -> encode_page. PageQuality.problems codes: low_dpi, dpi_assumed (informational),
no_text, very_low_confidence, low_confidence, many_low_confidence_words,
orientation_uncertain. Verdict: failed if a page has no text or very low confidence,
review for any other problem, else ok; the worst page decides.

Only batch-level problems raise (DependencyError). Everything about one file or one
document comes back as a failure record, and the rest of the batch goes on.
"""

from trams.scanning.coversheet import CoverSheet, find_coversheet, write_coversheets
from trams.scanning.grouping import discover, natural_key
from trams.scanning.options import ScanOptions
from trams.scanning.quality import document_verdict, problem_text
from trams.scanning.recognize import check_engine, recognize_documents

from trams.models import Discovery, DocumentFailure, InputFailure

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
