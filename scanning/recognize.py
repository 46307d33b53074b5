"""Recognize documents in parallel: one pool per batch, pages of all documents in it.

Pages are submitted in input order, a bounded number at a time (so a batch of thousands of
pages never holds its images in memory: each page's encoded image is written into
``workdir`` and a small record comes back). Documents come out in input order, each as
soon as its last page is done. The pool (:mod:`.pool`) is this machine's worker processes,
or a Dask cluster's workers (:mod:`.cluster`); both run :func:`.worker.process_page`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from trams.scanning.engine import get_engine
from trams.scanning.options import ScanOptions
from trams.scanning.pdf_input import pdf_pages
from trams.scanning.pool import PageJob, PagePool, ProcessPagePool
from trams.scanning.process_memory import frozen_start, release_memory
from trams.scanning.quality import document_verdict
from trams.scanning.worker import PageOutcome, process_page, relog

from trams.errors import DependencyError, InputError, TramsError
from trams.i18n import _
from trams.models import (
    BornDigitalDocument,
    DocumentFailure,
    DocumentSource,
    RecognizedDocument,
    RecognizedPage,
)
from trams.pdf import convert

log = logging.getLogger(__name__)


def check_engine(options: ScanOptions) -> None:
    """Batch-level check (DependencyError) before any page is started. The first call
    in a process logs which Tesseract engine reads the pages (:func:`.engine.choose_tesseract`)."""
    engine = get_engine(options.engine)
    engine.check(options.languages)
    if options.engine != "null" and options.rotate_pages:
        engine.check("osd")


def _born_digital(source: DocumentSource, options: ScanOptions
                  ) -> BornDigitalDocument | DocumentFailure:
    """A PDF with its text: checked for PDF/A as it is, its text extracted; no OCR."""
    path = source.pages[0].path
    try:
        inspection = convert.inspect(path, level=options.pdfa_level)
        kinds = tuple(p.kind for p in pdf_pages(path))
        text = convert.extract_text(path)
    except DependencyError:
        raise
    except TramsError as exc:
        if exc.path is None:
            exc.path = path
        return DocumentFailure(source, exc)
    except Exception as exc:  # noqa: BLE001 - a library failing on a hostile file
        log.exception("unexpected error on %s", path)
        return DocumentFailure(source, InputError(
            _("unexpected error reading the PDF ({reason})",
              reason=f"{type(exc).__name__}: {exc}"[:200]), path=path,
            hint=_("Please report it, with the output of --verbose."), code="pdf_unreadable"))
    notes = list(inspection.notes)
    scanned = [n for n, kind in enumerate(kinds, start=1) if kind == "image"]
    if scanned:
        notes.append(_("page(s) {pages} are scanned images without text: a search will not "
                       "find their words", pages=", ".join(map(str, scanned))))
    verdict = "review" if scanned or inspection.unmapped_fonts else "ok"
    return BornDigitalDocument(source=source, text=text, page_kinds=kinds, verdict=verdict,
                               notes=tuple(notes))


def _assemble(source: DocumentSource, outcomes: list[PageOutcome],
              options: ScanOptions
              ) -> RecognizedDocument | BornDigitalDocument | DocumentFailure:
    if source.born_digital:
        return _born_digital(source, options)
    for outcome in outcomes:
        if outcome.error is not None:
            if outcome.error.kind == "DependencyError":  # the machine's, not the document's
                raise outcome.error.rebuild()
            return DocumentFailure(source, outcome.error.rebuild())
    pages: list[RecognizedPage] = [o.page for o in outcomes if o.page is not None]
    notes: list[str] = []
    if options.drop_blank_pages:
        blank = [p for p in pages if p.quality.blank]
        pages = [p for p in pages if not p.quality.blank]
        for p in blank:
            notes.append(_("blank page {number} of {file} dropped",
                           number=p.source.index + 1, file=p.source.path.name))
            p.image.path.unlink(missing_ok=True)
        if blank:
            source = replace(source, dropped_pages=source.dropped_pages
                             + tuple(p.source for p in blank))
    if not pages:
        return DocumentFailure(source, InputError(
            _("every page of document {name} is blank", name=source.name),
            path=source.pages[0].path if source.pages else None,
            hint=_("Check the scanner fed the right side of the paper, or lower "
                   "inbox.blank_threshold."), code="all_pages_blank"))
    verdict = document_verdict([p.quality for p in pages])
    return RecognizedDocument(source=source, pages=tuple(pages), verdict=verdict,
                              notes=tuple(notes))


def recognize_documents(documents: Iterable[DocumentSource], options: ScanOptions, *,
                        jobs: int, workdir: Path,
                        on_page: Callable[..., None] | None = None,
                        pool: PagePool | None = None,
                        ) -> Iterator[RecognizedDocument | BornDigitalDocument
                                      | DocumentFailure]:
    """Clean up and OCR every page; yield each document (in input order) when it is done.

    A born-digital document (:attr:`DocumentSource.born_digital`) is not recognized: it
    comes out as a :class:`~trams.models.BornDigitalDocument`, checked for PDF/A.

    ``jobs`` worker processes are started once for the whole batch (``jobs == 1`` runs in
    this process), unless a ``pool`` is given (:mod:`.pool`: a Dask cluster, already
    checked; the caller closes it). Encoded page images are written under ``workdir``.
    ``on_page(document)`` is called in this process as each page is done (progress bars);
    for a page a cluster worker did, ``on_page(document, worker=NAME)``. Raises only for
    batch-level problems (DependencyError: tesseract, language data or an image decoder
    such as jbig2dec missing; ClusterError: the cluster's scheduler gone).
    """
    with frozen_start():
        yield from _recognize(documents, options, jobs=jobs, workdir=workdir,
                              on_page=on_page, pool=pool)


def _recognize(documents: Iterable[DocumentSource], options: ScanOptions, *, jobs: int,
               workdir: Path, on_page: Callable[..., None] | None, pool: PagePool | None
               ) -> Iterator[RecognizedDocument | BornDigitalDocument | DocumentFailure]:
    if pool is None:
        check_engine(options)
    workdir.mkdir(parents=True, exist_ok=True)
    docs = list(documents)
    tasks = [(d, p, page) for d, doc in enumerate(docs) if not doc.born_digital
             for p, page in enumerate(doc.pages)]
    remaining = [0 if doc.born_digital else len(doc.pages) for doc in docs]
    outcomes: list[list[PageOutcome | None]] = [[None] * len(doc.pages) for doc in docs]

    def stem(d: int, p: int) -> Path:
        return workdir / f"doc{d + 1:05d}-page{p + 1:04d}"

    if jobs <= 1 and pool is None:
        for d, doc in enumerate(docs):
            page_outcomes = []
            for p, page in enumerate(doc.pages):
                if not doc.born_digital:
                    page_outcomes.append(process_page(page, stem(d, p), options))
                if on_page is not None:
                    on_page(doc)
            yield _assemble(doc, page_outcomes, options)
            release_memory(full=True)
        return

    own = pool is None
    pages = ProcessPagePool(jobs) if pool is None else pool
    in_flight: deque[tuple[int, int, PageJob]] = deque()
    next_task = 0
    next_doc = 0
    try:
        while next_doc < len(docs):
            window = pages.capacity()
            while next_task < len(tasks) and len(in_flight) < window:
                d, p, page = tasks[next_task]
                in_flight.append((d, p, pages.submit(page, stem(d, p), options)))
                next_task += 1
            if remaining[next_doc] == 0:  # born digital, or without pages: no OCR
                doc = docs[next_doc]
                for _page in doc.pages if on_page is not None else ():
                    on_page(doc)
                yield _assemble(doc, [], options)
                release_memory(full=True)
                next_doc += 1
                continue
            d, p, job = in_flight.popleft()
            outcome = job.result()
            relog(outcome)
            outcomes[d][p] = outcome
            remaining[d] -= 1
            if on_page is not None:
                if job.worker is None:
                    on_page(docs[d])
                else:
                    on_page(docs[d], worker=job.worker)
            while next_doc < len(docs) and remaining[next_doc] == 0:
                document = _assemble(docs[next_doc], list(outcomes[next_doc]), options)
                outcomes[next_doc] = []
                next_doc += 1
                yield document
                # The caller is done with the document (a run has written, signed and
                # archived it): what that freed goes back to the system, so the main
                # process stays the size of one document's work, however long the batch.
                del document
                release_memory(full=True)
    finally:
        if own:
            pages.close()
