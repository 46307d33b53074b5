"""Scanning as a stage of `trams run` (:class:`trams.pipeline.Recognizer`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from trams.scanning.grouping import discover
from trams.scanning.options import ScanOptions
from trams.scanning.quality import FAILED, page_verdict, problem_text
from trams.scanning.recognize import DocumentFailure, check_engine, recognize_documents

from trams.config import TramsConfig
from trams.errors import OcrError, TramsError
from trams.i18n import _
from trams.models import BornDigitalDocument, DocumentSource, RecognizedDocument


class ScanningRecognizer:
    """Discovery by the configured grouping, and one worker pool for every page of a run."""

    def __init__(self, options: ScanOptions, *, grouping: str, jobs: int):
        self.options = options
        self.grouping = grouping
        self.jobs = jobs

    @classmethod
    def from_config(cls, config: TramsConfig, *, jobs: int | None = None,
                    **overrides: object) -> ScanningRecognizer:
        return cls(ScanOptions.from_trams_config(config, **overrides),
                   grouping=config.inbox.grouping, jobs=jobs or config.jobs)

    def check(self) -> None:
        check_engine(self.options)

    def discover(self, inputs: Sequence[Path]
                 ) -> tuple[list[DocumentSource], list[tuple[Path, TramsError]]]:
        found = discover(inputs, grouping=self.grouping,  # type: ignore[arg-type]
                         default_dpi=self.options.default_dpi,
                         keep_ocr_layer=self.options.keep_ocr_layer)
        return list(found.documents), [(f.path, f.error) for f in found.failures]

    def recognize(self, documents: Sequence[DocumentSource], workdir: Path,
                  on_page: Callable[[DocumentSource], None]
                  ) -> Iterator[RecognizedDocument | BornDigitalDocument
                                | tuple[DocumentSource, TramsError]]:
        for result in recognize_documents(documents, self.options, jobs=self.jobs,
                                          workdir=workdir, on_page=on_page):
            if isinstance(result, DocumentFailure):
                yield result.source, result.error
            elif isinstance(result, RecognizedDocument) and result.verdict == FAILED:
                yield result.source, _quality_failure(result)
            else:
                yield result


def _quality_failure(document: RecognizedDocument) -> OcrError:
    """A document the quality gate failed is not archived: the clerk rescans it."""
    for number, page in enumerate(document.pages, start=1):
        if page_verdict(page.quality) == FAILED:
            problems = "; ".join(problem_text(code) for code in page.quality.problems)
            return OcrError(
                _("page {number} failed the OCR quality check: {problems}", number=number,
                  problems=problems), path=page.source.path,
                hint=_("Rescan the page (300 dpi, right side up, not blank), or remove it."))
    return OcrError(_("the document failed the OCR quality check"),
                    path=document.source.pages[0].path if document.source.pages else None,
                    hint=_("Rescan the document."))
