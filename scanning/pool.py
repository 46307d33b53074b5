"""Where pages are recognized: this machine's worker processes, or a Dask cluster.

:func:`~trams.scanning.recognize.recognize_documents` drives a :class:`PagePool`: it
submits pages a bounded number at a time (``capacity()``) and takes their outcomes back in
order. Every pool runs the same per-page function,
:func:`trams.scanning.worker.process_page`; only where it runs and how the page's bytes
get there differ:

- :class:`ProcessPagePool` (the default): ``jobs`` processes of this machine, spawned once
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


# The warning multiprocessing's resource tracker prints when the process that made the
# pool was killed (kill -9) with its queues' semaphores: the tracker then removes them, as
# it is there to do, so nothing is left behind; but it would print on the run's stderr,
# which carries nothing but JSON lines with --log-format json.
TRACKER_WARNING = "ignore:resource_tracker:UserWarning"


def _quiet_resource_tracker() -> None:
    """The tracker is a process of its own, started with this interpreter's -W options
    (``sys.warnoptions``): adding the filter there before it starts is what reaches it."""
    if TRACKER_WARNING not in sys.warnoptions:
        sys.warnoptions.append(TRACKER_WARNING)


class ProcessPagePool:
    """``jobs`` worker processes of this machine, started once for the whole batch."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        # spawn: each worker is a fresh interpreter holding what pages need and nothing else.
        # A forked one would carry a copy of this process (a run's signing and archive
        # state: 180 MB apiece once pages were in it); a script calling this at module
        # level needs the usual `if __name__ == "__main__":` guard.
        context = multiprocessing.get_context("spawn")
        _quiet_resource_tracker()
        self.executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=init_worker,
            initargs=(get_language(), os.getpid()))

    def capacity(self) -> int:
        return self.jobs * 3

    def submit(self, page: SourcePage, dest_stem: Path, options: ScanOptions) -> _LocalJob:
        assert self.executor is not None, "the pool is closed"
        return _LocalJob(self.executor.submit(process_page, page, dest_stem, options))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        # Let the executor (and its queues' semaphores) go now, even when a traceback of
        # an interrupted run still holds this pool: else the semaphores outlive the run and
        # multiprocessing's resource tracker prints a warning on stderr at exit.
        self.executor = None

