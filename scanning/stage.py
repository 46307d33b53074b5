"""Scanning as a stage of `trams run` (:class:`trams.pipeline.Recognizer`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from trams.scanning.grouping import discover
from trams.scanning.options import ScanOptions
from trams.scanning.pipeline import DocumentFailure, check_engine, recognize_documents

from trams.config import TramsConfig
from trams.errors import TramsError
from trams.models import DocumentSource, RecognizedDocument


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
                         default_dpi=self.options.default_dpi)
        return list(found.documents), [(f.path, f.error) for f in found.failures]

    def recognize(self, documents: Sequence[DocumentSource], workdir: Path,
                  on_page: Callable[[DocumentSource], None]
                  ) -> Iterator[RecognizedDocument | tuple[DocumentSource, TramsError]]:
        for result in recognize_documents(documents, self.options, jobs=self.jobs,
                                          workdir=workdir, on_page=on_page):
            if isinstance(result, DocumentFailure):
                yield result.source, result.error
            else:
                yield result
