"""Scanning as a stage of `trams run` (:class:`trams.pipeline.Recognizer`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Literal

from trams.scanning.grouping import Links, discover
from trams.scanning.options import ScanOptions
from trams.scanning.preflight import ignored_files, preflight
from trams.scanning.quality import FAILED, page_verdict, problem_text
from trams.scanning.recognize import check_engine, recognize_documents

from trams.config import ClusterConfig, TramsConfig
from trams.errors import DependencyError, OcrError, TramsError
from trams.i18n import _
from trams.models import (
    BornDigitalDocument,
    Discovery,
    DocumentFailure,
    DocumentSource,
    RecognizedDocument,
)

# the modules of the Dask cluster (cluster_module)
ClusterModule = Literal["cluster", "cluster_client", "cluster_worker"]


class ScanningRecognizer:
    """Discovery by the configured grouping, and one worker pool for every page of a run:
    this machine's processes, or the Dask cluster of ``cluster`` (:mod:`.cluster`)."""

    def __init__(self, options: ScanOptions, *, grouping: str, jobs: int,
                 links: Links = "refuse", cluster: ClusterConfig | None = None):
        self.options = options
        self.grouping = grouping
        self.jobs = jobs
        self.links = links  # symbolic links in folders (trams.scanning.grouping.Links)
        self.cluster = cluster if cluster is not None and cluster.scheduler else None

    @classmethod
    def from_config(cls, config: TramsConfig, *, jobs: int | None = None,
                    grouping: str | None = None, links: Links | None = None,
                    **overrides: object) -> ScanningRecognizer:
        """From trams.toml; ``jobs``, ``grouping``, ``links`` and ScanOptions ``overrides``
        (None: the configured value) win. Links: [inbox] follow_symlinks. Pages go to
        the cluster of [cluster] when it names a scheduler."""
        return cls(ScanOptions.from_trams_config(config, **overrides),
                   grouping=grouping or config.inbox.grouping, jobs=jobs or config.jobs,
                   links=links or ("inside" if config.inbox.follow_symlinks else "refuse"),
                   cluster=config.cluster)

    def check(self) -> None:
        """The engine and its language data where the pages will run; with a cluster, its
        scheduler reached and every connected worker checked (ClusterError,
        DependencyError)."""
        if self.cluster is None:
            check_engine(self.options)
            return
        cluster_module().check_reachable(self.cluster, self.options)

    def discover(self, inputs: Sequence[Path]) -> Discovery:
        found = discover(inputs, grouping=self.grouping,  # type: ignore[arg-type]
                         default_dpi=self.options.default_dpi,
                         keep_ocr_layer=self.options.keep_ocr_layer, links=self.links)
        return replace(found, ignored=tuple(ignored_files(inputs)))

    def preflight(self, source: DocumentSource) -> TramsError | None:
        """The first problem the run would meet on ``source`` before OCR (dry run)."""
        return preflight(source, self.options)

    def recognize(self, documents: Sequence[DocumentSource], workdir: Path,
                  on_page: Callable[..., None] | None = None, *, gate: bool = True
                  ) -> Iterator[RecognizedDocument | BornDigitalDocument | DocumentFailure]:
        """Every document, recognized (or, born digital, read as it is) or failed.

        With ``gate`` (`trams run`), one the OCR quality gate fails is a failure too: it
        must be rescanned, not signed and archived. Without (`trams ocr`, a converter as
        OCRmyPDF is), it comes back with its verdict ``failed`` for the caller to report.
        ``on_page(document)`` per page done, ``on_page(document, worker=NAME)`` for a page
        a cluster worker did."""
        pool = (nullcontext() if self.cluster is None  # this machine's processes
                else cluster_module().open_pool(self.cluster, self.options))
        with pool as pages:
            results = recognize_documents(documents, self.options, jobs=self.jobs,
                                          workdir=workdir, on_page=on_page, pool=pages)
            yield from self._gate(results) if gate else results

    @staticmethod
    def _gate(results: Iterator[RecognizedDocument | BornDigitalDocument | DocumentFailure]
              ) -> Iterator[RecognizedDocument | BornDigitalDocument | DocumentFailure]:
        for result in results:
            if isinstance(result, RecognizedDocument) and result.verdict == FAILED:
                for path in result.work_files:
                    path.unlink(missing_ok=True)
                yield DocumentFailure(result.source, quality_failure(result))
            else:
                yield result


def cluster_module(name: ClusterModule = "cluster"):  # noqa: ANN201 - trams.scanning.cluster*
    """:mod:`trams.scanning.cluster` (the page pool), or by ``name``
    :mod:`trams.scanning.cluster_client` (the scheduler reached, its workers checked) or
    :mod:`trams.scanning.cluster_worker` (what runs on a worker, and how one is started),
    imported (with Dask) only when a cluster is used; DependencyError when Dask is not
    installed."""
    try:  # Dask loads only when a cluster is used
        from trams.scanning import cluster, cluster_client, cluster_worker
    except ModuleNotFoundError as exc:
        if exc.name not in ("dask", "distributed") and not str(exc.name).startswith(
                ("dask.", "distributed.")):
            raise
        raise DependencyError(
            _("Dask is not installed, and a cluster scheduler is configured"),
            hint=_("Install it with pip install 'trams[cluster]' (scripts/setup.sh does), or "
                   "recognize on this machine with --cluster local.")) from None
    return {"cluster": cluster, "cluster_client": cluster_client,
            "cluster_worker": cluster_worker}[name]


def quality_failure(document: RecognizedDocument) -> OcrError:
    """Why the quality gate failed ``document`` (its first failed page), with the fix. In
    a run such a document is not archived: the clerk rescans it."""
    for number, page in enumerate(document.pages, start=1):
        if page_verdict(page.quality) == FAILED:
            problems = "; ".join(problem_text(code) for code in page.quality.problems)
            return OcrError(
                _("page {number} failed the OCR quality check: {problems}", number=number,
                  problems=problems), path=page.source.path,
                hint=_("Rescan the page (300 dpi, right side up, not blank), or remove it."),
                code="ocr_quality_failed")
    return OcrError(_("the document failed the OCR quality check"),
                    path=document.source.pages[0].path if document.source.pages else None,
                    hint=_("Rescan the document."), code="ocr_quality_failed")
