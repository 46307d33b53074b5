"""Where pages are recognized: this machine's worker processes, or a Dask cluster.

:func:`~trams.scanning.recognize.recognize_documents` drives a :class:`PagePool`: it
submits pages a bounded number at a time (``capacity()``) and takes their outcomes back in
order. Every pool runs the same per-page function,
:func:`trams.scanning.worker.process_page`; only where it runs and how the page's bytes
get there differ:

- :class:`ProcessPagePool` (the default): ``jobs`` processes of this machine, started once
  per batch; each writes its encoded page image into the work folder itself.
- :class:`trams.scanning.cluster.DaskPagePool` (``[cluster] scheduler``): Dask tasks on the
  cluster's workers. The scan's bytes travel in the task and the encoded page image comes
  back with the result, written into the same work folder here; no shared file system.

A pool raises only for problems of the whole batch (a worker process that died, a
scheduler that is gone); everything about one page comes back in its
:class:`~trams.scanning.worker.PageOutcome`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import resource_tracker
from pathlib import Path
from typing import Protocol

from trams.scanning.options import ScanOptions
from trams.scanning.worker import PageOutcome, init_worker, process_page

from trams.errors import OcrError
from trams.i18n import _, get_language
from trams.models import SourcePage


class PageJob(Protocol):
    """One page submitted to a pool."""

    def result(self) -> PageOutcome:
        """The page's outcome (its image written under the ``dest_stem`` it was given);
        waits for it. Raises only for a problem of the whole batch."""

    @property
    def worker(self) -> str | None:
        """Who recognized the page (a cluster worker's name), once ``result()`` returned;
        None for this machine's processes."""


class PagePool(Protocol):
    """Ready to take pages once made: the engine and its language data were checked where
    the pages will run (``check_engine`` here; every worker, for a cluster)."""

    def capacity(self) -> int:
        """How many pages to keep in flight now (enough to keep every worker busy, few
        enough that a batch of thousands of pages is never held in memory)."""

    def submit(self, page: SourcePage, dest_stem: Path, options: ScanOptions) -> PageJob:
        """Start :func:`~trams.scanning.worker.process_page` on ``page``; its encoded image
        is written at ``dest_stem`` (plus the encoder's suffix) on this machine."""

    def close(self) -> None:
        """Stop: pages not yet started are dropped, running ones are waited for or let go."""


class _LocalJob:
    worker = None

    def __init__(self, future: Future):
        self.future = future

    def result(self) -> PageOutcome:
        try:
            return self.future.result()
        except BrokenProcessPool:
            raise OcrError(_("a worker process stopped unexpectedly (out of memory?)"),
                           hint=_("Run again with fewer --jobs."),
                           code="worker_crashed") from None


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with its leak warning off.

    A spawned pool's queues hold named semaphores, which the tracker (a small process of
    its own) removes if the run is killed with kill -9, so nothing is left in /dev/shm. It
    then warns about them on the run's stderr, which with --log-format json carries JSON
    lines only, about queues nobody can act on. The warning filter is handed to the
    tracker's interpreter as it starts (``-W``), and taken back at once."""
    quiet = "ignore:resource_tracker:UserWarning"
    sys.warnoptions.append(quiet)
    try:
        resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(quiet)


class ProcessPagePool:
    """``jobs`` worker processes of this machine, started once for the whole batch."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        # spawn: each worker starts as a fresh interpreter and imports only the page
        # worker (numpy, Pillow, tesserocr: about 50 MB), not the run's signing, archive and
        # command line (120 MB), which a forked worker would carry, and count in its RSS,
        # for the whole batch. The price is paid once, before the first page: about 0.3 s
        # (`trams ocr` of 2 pages, 2 jobs: 2.7-3.0 s, forked 2.4-2.7 s). The `trams`
        # program's script imports nothing (trams.cli.entry): spawn runs it again in each
        # worker. A script of one's own that runs a batch needs the usual
        # `if __name__ == "__main__":` guard.
        context = multiprocessing.get_context("spawn")
        _start_resource_tracker()
        self.executor = ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=init_worker,
            initargs=(get_language(), os.getpid()))

    def capacity(self) -> int:
        return self.jobs * 3

    def submit(self, page: SourcePage, dest_stem: Path, options: ScanOptions) -> _LocalJob:
        return _LocalJob(self.executor.submit(process_page, page, dest_stem, options))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

