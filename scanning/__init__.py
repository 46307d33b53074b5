"""Scanning: from a scanner's files to upright, straight, recognized pages in documents.

Public API (everything else is internal)::

    from trams.scanning import (ScanOptions, discover, recognize_documents,
                                DocumentFailure, FileFailure, CoverSheet, write_coversheets)

    options = ScanOptions.from_config(config.ocr, config.inbox, config.pdfa,
                                      accept_low_dpi=None, default_dpi=None)  # flags win
    # or ScanOptions.from_trams_config(config, **flag_overrides)

    found = discover(inputs: Sequence[Path], *, grouping="file" | "folder" | "coversheet",
                     default_dpi: float | None = None) -> Discovery
    found.documents  # tuple[DocumentSource, ...]  (cover-sheet metadata attached)
    found.failures   # tuple[FileFailure, ...]     (.path, .error: TramsError, .to_dict())

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

Only batch-level problems raise (DependencyError). Everything about one file or one
document comes back as a failure record, and the rest of the batch goes on.
"""

from trams.scanning.coversheet import CoverSheet, find_coversheet, write_coversheets
from trams.scanning.grouping import Discovery, FileFailure, discover, natural_key
from trams.scanning.options import ScanOptions
from trams.scanning.pipeline import DocumentFailure, check_engine, recognize_documents
from trams.scanning.quality import document_verdict, problem_text

__all__ = [
    "CoverSheet",
    "Discovery",
    "DocumentFailure",
    "FileFailure",
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
