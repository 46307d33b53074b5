"""Page recognition on a Dask cluster (``[cluster] scheduler``, ``--cluster``; docs/cluster.md).

The head (the machine that runs `trams run` or `trams ocr`) keeps everything but the pages'
clean-up and OCR: discovery, PDF/A, keys, signing, verification and the archive. Each page
becomes one Dask task running :func:`run_page` on a worker, which wraps the very function
this machine's worker processes run, :func:`trams.scanning.worker.process_page`:

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

Importing this module imports Dask; nothing else in TRAMS does, so without a cluster Dask
is never loaded.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dask
from distributed import Client, Future, get_worker
from distributed.client import FutureCancelledError
from distributed.scheduler import KilledWorker
from distributed.security import Security
from trams.scanning import tesseract
from trams.scanning.options import ScanOptions
from trams.scanning.recognize import check_engine
from trams.scanning.worker import PageError, PageOutcome, process_page

from trams import __version__
from trams.config import ClusterConfig
from trams.errors import ClusterError, DependencyError, TramsError
from trams.fs import read_input, storage_error
from trams.i18n import _, get_language, set_language
from trams.models import SourcePage

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # how often a wait for a page looks at the cluster's state
PROBE_TIMEOUT = 60.0  # a worker's Tesseract check (client.run)
KEY_PREFIX = "trams-page"


# --- on the workers ------------------------------------------------------------------------
@dataclass(frozen=True)
class RemotePage:
    """What a worker sends back for one page."""

    outcome: PageOutcome  # paths are the worker's scratch files; the head maps them back
    image: bytes | None  # the encoded page image (outcome.page.image.path's content)
    worker: str  # the worker's name
    scan: str  # where the worker put the scan (to find it in messages and paths)


_page_lock = threading.Lock()  # one page at a time per worker process (see run_page)
_malloc_tuned = False
# glibc mallopt parameters
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest: a 300 dpi A4 page's arrays come from the heap
TRIM_THRESHOLD = 128 << 20  # freed heap kept for the next page, as the local pool keeps it


def _tune_malloc() -> None:
    """Once per worker process: page images reuse freed heap again.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also freezes
    glibc's mmap threshold at 128 KiB: every array of a page (8.7 MB for a 300 dpi A4 grey
    page) was then a fresh mmap, zeroed page by page and unmapped when freed. Measured on
    the 20 reference pages: 1.7 million page faults and 2.8 s of system time in the worker
    where the local pool's processes take 0.1 million and 0.3 s (benchmarks/bench_cluster.py,
    docs/cluster.md). The worker keeps up to ``TRIM_THRESHOLD`` of freed memory instead.
    """
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    if not sys.platform.startswith("linux"):
        return
    with suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def worker_name(dask_worker: Any = None) -> str:
    """The worker's name (`trams cluster worker`: HOST-N), else its address."""
    try:
        worker = dask_worker if dask_worker is not None else get_worker()
    except ValueError:  # not in a worker (run_page called directly)
        return socket.gethostname()
    name = worker.name
    return str(name) if isinstance(name, str) and name else str(worker.address)


def _scratch() -> str | None:
    try:
        return get_worker().local_directory
    except ValueError:  # not in a worker (tests call run_page directly)
        return None


_engine_checked: dict[tuple[str, str, bool], PageError | None] = {}


def _engine_problem(options: ScanOptions) -> PageError | None:
    """The batch's engine check (:func:`~trams.scanning.recognize.check_engine`), once per
    worker process and settings: a worker that joined after the batch's start without a
    language is the machine's problem, never a page's (it would fail every document)."""
    key = (options.engine, options.languages, options.rotate_pages)
    if key not in _engine_checked:
        try:
            check_engine(options)
            _engine_checked[key] = None
        except DependencyError as exc:
            _engine_checked[key] = PageError.of(exc)
    return _engine_checked[key]


def run_page(fn: Any, data: bytes, suffix: str, index: int, options: ScanOptions,
             lang: str, version: str) -> RemotePage:
    """One page on a worker: ``fn`` (:func:`~trams.scanning.worker.process_page`) on the
    scan's bytes, as this machine's pool runs it on a file.

    Tesseract runs single-threaded (``OMP_THREAD_LIMIT=1``): a worker runs one task per
    core. Pages of one worker process are recognized one at a time whatever its number of
    threads, so an OCR engine held by the process is never used by two threads at once.
    The process's memory allocator is tuned for page images once (:func:`_tune_malloc`).
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    _tune_malloc()
    set_language(lang)
    name = worker_name()
    if version != __version__:
        error = PageError("DependencyError", _(
            "this worker runs TRAMS {theirs}, the machine that runs the batch TRAMS {ours}",
            theirs=__version__, ours=version), None,
            _("Install the same TRAMS version on every cluster worker, or stop this one."))
        return RemotePage(PageOutcome(SourcePage(Path(f"scan{suffix}"), index), error=error),
                          None, name, "")
    problem = _engine_problem(options)
    if problem is not None:
        return RemotePage(PageOutcome(SourcePage(Path(f"scan{suffix}"), index),
                                      error=problem), None, name, "")
    with _page_lock, tempfile.TemporaryDirectory(prefix="trams-page-", dir=_scratch()) as tmp:
        scan = Path(tmp) / f"scan{suffix}"
        scan.write_bytes(data)
        outcome = fn(SourcePage(scan, index), Path(tmp) / "page", options)
        image = outcome.page.image.path.read_bytes() if outcome.page is not None else None
    return RemotePage(outcome, image, name, str(scan))


def probe_worker(languages: str, rotate_pages: bool, lang: str,
                 dask_worker: Any = None) -> dict[str, Any]:
    """On each worker (``client.run``): its TRAMS version, Tesseract and language data, as
    plain values. Never raises (an exception that cannot be pickled would leave the
    caller waiting)."""
    info: dict[str, Any] = {"trams": __version__, "tesseract": None, "problem": None,
                            "hint": None}
    try:
        set_language(lang)
        info["name"] = worker_name(dask_worker)
        info["nthreads"] = int(getattr(dask_worker, "nthreads", 0) or 0)
        info["tesseract"] = ".".join(map(str, tesseract.version()))
        check_engine(ScanOptions(languages=languages, rotate_pages=rotate_pages))
    except DependencyError as exc:
        info["problem"], info["hint"] = exc.message, exc.hint
    except Exception as exc:  # noqa: BLE001 - reported, never raised across the network
        info["problem"] = f"{type(exc).__name__}: {exc}"
    return info


# --- on the head ---------------------------------------------------------------------------
def security(cluster: ClusterConfig, *, role: str = "client") -> Security | None:
    """Dask's TLS settings from [cluster] (``role``: client for the head, worker for a
    worker); None for tcp://."""
    if not cluster.tls:
        return None
    return Security(tls_ca_file=str(cluster.tls_ca_file),
                    **{f"tls_{role}_cert": str(cluster.tls_cert),
                       f"tls_{role}_key": str(cluster.tls_key)},
                    require_encryption=True)


def quiet_dask_logging() -> None:
    """Dask's own log lines reach TRAMS's logging (the run's log file and events) only with
    --verbose; otherwise they would print on stderr beside the progress bar or the JSON
    lines. What matters (a scheduler gone, a worker missing) TRAMS reports itself."""
    verbose = logging.getLogger().isEnabledFor(logging.DEBUG)
    for name in ("distributed", "tornado"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = verbose
        if not verbose:
            logger.addHandler(logging.NullHandler())


def unreachable(cluster: ClusterConfig, reason: str) -> ClusterError:
    return ClusterError(
        _("cannot reach the cluster's scheduler at {address} ({reason})",
          address=cluster.scheduler, reason=reason),
        hint=_("Start `dask scheduler` there (docs/cluster.md) and check the firewall and "
               "[cluster] TLS files; or recognize on this machine with --cluster local."))


def connect(cluster: ClusterConfig) -> Client:
    """A client of the cluster's scheduler, or ClusterError naming it and the fix."""
    assert cluster.scheduler is not None
    quiet_dask_logging()
    try:
        return Client(cluster.scheduler, timeout=cluster.connect_timeout_seconds,
                      security=security(cluster), set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ssl, bad TLS files
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise unreachable(cluster, reason[:300]) from None


def workers(client: Client) -> dict[str, dict[str, Any]]:
    """The scheduler's workers now: address -> its info (name, nthreads, ...)."""
    try:
        info = client.scheduler_info(n_workers=-1)  # Dask >= 2025: all, not the first 5
    except TypeError:
        info = client.scheduler_info()
    return dict(info.get("workers", {}))


def probe_workers(client: Client, options: ScanOptions) -> dict[str, dict[str, Any]]:
    """Every connected worker's :func:`probe_worker` answer, by address (an answer that
    is an exception: a worker that cannot run TRAMS code at all)."""
    if not workers(client):
        return {}
    try:
        return client.run(probe_worker, options.languages, options.rotate_pages,
                          get_language(), on_error="return", wait=True)
    except Exception as exc:  # noqa: BLE001 - the scheduler went away during the probe
        raise ClusterError(_("the cluster's scheduler stopped answering ({reason})",
                             reason=type(exc).__name__),
                           hint=_("Check the scheduler, then run the same command again."),
                           ) from None


def probe_problem(address: str, answer: Any) -> DependencyError | None:
    """Why the worker at ``address`` cannot recognize the batch's pages, or None."""
    if isinstance(answer, BaseException):
        return DependencyError(
            _("cluster worker {worker} cannot run TRAMS ({reason})", worker=address,
              reason=f"{type(answer).__name__}: {answer}"[:300]),
            hint=_("Install TRAMS {version} on that machine, or stop that worker.",
                   version=__version__))
    name = answer.get("name") or address
    if answer.get("trams") != __version__:
        return DependencyError(
            _("cluster worker {worker} runs TRAMS {theirs}, this machine TRAMS {ours}",
              worker=name, theirs=answer.get("trams"), ours=__version__),
            hint=_("Install the same TRAMS version on every cluster worker, or stop that "
                   "worker."))
    if answer.get("problem"):
        return DependencyError(
            _("cluster worker {worker}: {problem}", worker=name,
              problem=str(answer["problem"]).rstrip(".")),
            hint=answer.get("hint") or _("Fix that machine, or stop that worker."))
    return None


def check_cluster(client: Client, options: ScanOptions) -> None:
    """Batch-level check on the cluster: every connected worker has TRAMS (this version),
    Tesseract and the batch's language data; DependencyError naming the first that does
    not. No worker yet is not an error: the batch waits for one (late joiners)."""
    for address, answer in sorted(probe_workers(client, options).items()):
        problem = probe_problem(address, answer)
        if problem is not None:
            raise problem


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


# --- address safety --------------------------------------------------------------------------
def is_loopback(address: str) -> bool:
    """The address is on this machine only (127.0.0.0/8, ::1, or a name resolving only
    there): page images sent to it never cross a network."""
    host = urlsplit(address).hostname or ""
    try:
        return ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(found) and all(ip_address(a.split("%")[0]).is_loopback for a in found)


def die_with_parent() -> None:
    """``preexec_fn`` of the worker `trams cluster worker` starts: SIGTERM (a clean stop)
    when its parent dies, so a killed `trams cluster worker` leaves no worker behind."""
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)


def worker_command(address: str, *, nworkers: int, name: str,
                   cluster: ClusterConfig) -> list[str]:
    """`dask worker` (run by this Python) as `trams cluster worker` starts it: ``nworkers``
    processes of one thread each (Tesseract single-threaded: one page per core), named
    NAME-0, NAME-1, ..., restarted by their nanny when they die."""
    argv = [sys.executable, "-m", "distributed.cli.dask_worker", address,
            "--nworkers", str(nworkers), "--nthreads", "1", "--name", name,
            "--no-dashboard"]
    if address.startswith("tls://"):
        argv += ["--tls-ca-file", str(cluster.tls_ca_file), "--tls-cert", str(cluster.tls_cert),
                 "--tls-key", str(cluster.tls_key)]
    return argv
