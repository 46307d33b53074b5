"""Page recognition on a Dask cluster (``[cluster] scheduler``, ``--cluster``; docs/cluster.md).

The head (the machine that runs `trams run` or `trams ocr`) keeps everything but the pages'
clean-up and OCR: discovery, PDF/A, keys, signing, verification and the archive. Each page
becomes one Dask task running :func:`~trams.scanning.cluster_worker.run_page` on a worker,
which wraps the very function this machine's worker processes run,
:func:`trams.scanning.worker.process_page`:

- the head reads the scan's bytes and sends them in the task (no shared file system); the
  pages of a multi-page file after its first share one copy of the file, held by the
  cluster as a task of its own (recomputed by Dask like any lost data);
- the worker writes them to a scratch folder, runs ``process_page``, and returns the typed
  :class:`~trams.scanning.worker.PageOutcome` with the encoded page image's bytes;
- the head writes the image into its work folder and hands the outcome on, its paths set
  back to the scan's: nothing downstream knows the page went anywhere.

Faults: a worker that dies mid-task is Dask's to handle (its tasks are run again on the
others; a page that kills three workers in turn fails its document, as a page that breaks
the OCR does); a worker that joins late gets tasks at once; a scheduler that is gone stops
the batch with :class:`~trams.errors.ClusterError` (exit 16). A run waits at most
``[cluster] worker_wait_seconds`` while no worker is connected.

This module is the head's page pool (:class:`DaskPagePool`, :func:`open_pool`); reaching
the scheduler and checking its workers are in :mod:`trams.scanning.cluster_client`, what
runs on a worker (and how `trams cluster worker` starts one) in
:mod:`trams.scanning.cluster_worker`.

Importing this module imports Dask, as importing those two does; nothing else in TRAMS
does, and they are imported only through :func:`trams.scanning.stage.cluster_module`, so
without a cluster Dask is never loaded.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import dask
from distributed import Client, Future
from distributed.client import FutureCancelledError
from distributed.scheduler import KilledWorker
from trams.scanning.cluster_client import check_cluster, connect, workers
from trams.scanning.cluster_worker import RemotePage, run_page
from trams.scanning.options import ScanOptions
from trams.scanning.worker import PageError, PageOutcome, process_page

from trams import __version__
from trams.config import ClusterConfig
from trams.errors import ClusterError, TramsError
from trams.fs import read_input, storage_error
from trams.i18n import _, get_language
from trams.models import SourcePage

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # how often a wait for a page looks at the cluster's state
KEY_PREFIX = "trams-page"


class _DoneJob:
    """A page settled on the head (its scan could not be read): never sent."""

    worker = None

    def __init__(self, outcome: PageOutcome):
        self.outcome = outcome

    def result(self) -> PageOutcome:
        return self.outcome


class _RemoteJob:
    def __init__(self, pool: DaskPagePool, future: Future, page: SourcePage,
                 dest_stem: Path):
        self.pool, self.future, self.page, self.dest_stem = pool, future, page, dest_stem
        self.worker: str | None = None

    def result(self) -> PageOutcome:
        remote = self.pool.wait(self.future, self.page)
        self.future = None  # let Dask forget the task and its data
        if isinstance(remote, PageOutcome):  # settled without a worker (a poisoned page)
            return remote
        self.worker = remote.worker
        self.pool.done(remote)
        return self._local(remote)

    def _local(self, remote: RemotePage) -> PageOutcome:
        """The worker's outcome as if this machine had made it: the scan's own path in it,
        and the page image written into the work folder."""
        original = str(self.page.path)

        def here(text: str | None) -> str | None:
            return text.replace(remote.scan, original) if text and remote.scan else text

        outcome = remote.outcome
        if outcome.error is not None:
            error = outcome.error
            message = here(error.message) or ""
            if error.kind == "DependencyError":  # the worker's machine, not the document
                message = _("cluster worker {worker}: {problem}", worker=remote.worker,
                            problem=message.rstrip("."))
            return PageOutcome(self.page, error=replace(
                error, message=message, path=original if error.path in (None, remote.scan)
                else here(error.path), hint=here(error.hint)))
        page = outcome.page
        assert page is not None and remote.image is not None
        dest = self.dest_stem.with_suffix(page.image.path.suffix)
        try:
            dest.write_bytes(remote.image)
        except OSError as exc:
            return PageOutcome(self.page, error=PageError.of(storage_error(exc, dest)))
        image = replace(page.image, path=dest)
        return PageOutcome(self.page, page=replace(page, source=self.page, image=image))


class DaskPagePool:
    """Pages as Dask tasks on a cluster's workers (a :class:`~.pool.PagePool`)."""

    def __init__(self, client: Client, cluster: ClusterConfig):
        self.client = client
        self.cluster = cluster
        self.lang = get_language()
        self.pages_by_worker: Counter[str] = Counter()
        self.bytes_sent = 0  # scan bytes put into tasks
        self.bytes_received = 0  # encoded page images fetched
        self._file: tuple[Path, bytes] | None = None  # the last file read, while it lasts
        self._shared: tuple[Path, Future] | None = None  # its bytes, held by the cluster
        self._threads = (0.0, 0)  # (when counted, worker threads)
        self._no_worker_since: float | None = None
        self._warned = False

    # --- submitting ----------------------------------------------------------------------
    def capacity(self) -> int:
        """Three pages per worker thread in flight (one running, two waiting there), at
        least two: enough to keep every worker busy while the head signs a document, few
        enough that the scheduler never holds a batch's scans. Follows workers joining
        and leaving."""
        counted, threads = self._threads
        if time.monotonic() - counted > POLL_SECONDS:
            threads = sum(int(w.get("nthreads", 1)) for w in workers(self.client).values())
            self._threads = (time.monotonic(), threads)
        return max(2, 3 * threads)

    def submit(self, page: SourcePage, dest_stem: Path, options: ScanOptions):
        try:
            data = self._bytes_of(page)
            future = self.client.submit(
                run_page, process_page, data, page.path.suffix.lower(), page.index,
                options, self.lang, __version__, key=f"{KEY_PREFIX}-{uuid.uuid4().hex}",
                pure=False)
        except TramsError as exc:  # InputError: the scan cannot be read here
            return _DoneJob(PageOutcome(page, error=PageError.of(exc)))
        except Exception:
            if self.client.status != "running":
                raise self._lost() from None
            raise
        return _RemoteJob(self, future, page, dest_stem)

    def _bytes_of(self, page: SourcePage) -> bytes | Future:
        """The scan's bytes for the task: in the task itself for a file's first page; for
        its next pages, one copy the cluster holds (sent once, shared by those tasks; Dask
        keeps it while a task needs it, and makes it again if its worker is lost)."""
        if self._file is None or self._file[0] != page.path:
            self._file, self._shared = (page.path, read_input(page.path)), None
            self.bytes_sent += len(self._file[1])
            return self._file[1]
        if self._shared is None:
            data = self._file[1]
            self._shared = (page.path, self.client.submit(
                _held, data, key=f"{KEY_PREFIX}-scan-{uuid.uuid4().hex}", pure=False))
            self.bytes_sent += len(data)
        return self._shared[1]

    # --- waiting -------------------------------------------------------------------------
    def wait(self, future: Future, page: SourcePage) -> RemotePage | PageOutcome:
        """The page's result; ClusterError when the scheduler is gone or no worker came
        for ``worker_wait_seconds``."""
        while True:
            try:
                return future.result(timeout=POLL_SECONDS)
            except TimeoutError:
                self._still_there()
            except (FutureCancelledError, CancelledError):
                raise self._lost() from None
            except KilledWorker:
                return PageOutcome(page, error=PageError("OcrError", _(
                    "page {number} stopped {count} cluster workers in turn (out of memory?)",
                    number=page.index + 1,
                    count=dask.config.get("distributed.scheduler.allowed-failures") + 1),
                    str(page.path), _("Scan the page again at 300 dpi, or give the workers "
                                      "more memory.")))
            except (OSError, ConnectionError) as exc:
                raise self._lost(type(exc).__name__) from None
            except Exception as exc:  # noqa: BLE001 - the task raised on a worker
                raise ClusterError(
                    _("a cluster worker failed on page {number} ({reason})",
                      number=page.index + 1, reason=f"{type(exc).__name__}: {exc}"[:300]),
                    path=page.path,
                    hint=_("Check the workers' disks and TRAMS installations (`trams "
                           "doctor`), then run the same command again.")) from None

    def _still_there(self) -> None:
        if self.client.status not in ("running", "connecting"):
            raise self._lost()
        if workers(self.client):
            self._no_worker_since = None
            return
        now = time.monotonic()
        if self._no_worker_since is None:
            self._no_worker_since = now
        if not self._warned:
            log.warning(_("no cluster worker is connected to {address}; waiting up to {seconds} "
                          "s for one", address=self.cluster.scheduler,
                          seconds=round(self.cluster.worker_wait_seconds)))
            self._warned = True
        if now - self._no_worker_since > self.cluster.worker_wait_seconds:
            raise ClusterError(
                _("no cluster worker connected to {address} for {seconds} s",
                  address=self.cluster.scheduler,
                  seconds=round(self.cluster.worker_wait_seconds)),
                hint=_("Start workers with `trams cluster worker {address}`, or recognize on "
                       "this machine with --cluster local; then run the same command again.",
                       address=self.cluster.scheduler))

    def _lost(self, reason: str = "") -> ClusterError:
        return ClusterError(
            _("lost the cluster's scheduler at {address}{reason}", address=self.cluster.scheduler,
              reason=f" ({reason})" if reason else ""),
            hint=_("The documents not archived stay in the inbox: start the scheduler again "
                   "(or use --cluster local) and run the same command again."))

    def done(self, remote: RemotePage) -> None:
        self.pages_by_worker[remote.worker] += 1
        self.bytes_received += len(remote.image or b"")

    def close(self) -> None:
        self._file = self._shared = None
        self.client.close(timeout=self.cluster.connect_timeout_seconds)


def _held(data: bytes) -> bytes:
    """A scan's bytes as a task result, shared by the tasks of that file's pages."""
    return data


@contextmanager
def open_pool(cluster: ClusterConfig, options: ScanOptions) -> Iterator[DaskPagePool]:
    """A checked pool on the cluster (:func:`check_cluster`), closed afterwards."""
    client = connect(cluster)
    try:
        check_cluster(client, options)
        pool = DaskPagePool(client, cluster)
    except BaseException:
        client.close()
        raise
    try:
        yield pool
    finally:
        pool.close()


def check_reachable(cluster: ClusterConfig, options: ScanOptions) -> None:
    """Before a batch opens its keys: the scheduler answers and its workers can read the
    batch's languages (ClusterError, DependencyError)."""
    with open_pool(cluster, options):
        pass

