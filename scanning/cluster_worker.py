"""A cluster worker: what runs in it, and the `dask worker` that `trams cluster worker` starts.

Each page is one Dask task running :func:`run_page` in a worker process: the very function
this machine's worker processes run, :func:`trams.scanning.worker.process_page`, on the
scan's bytes, its outcome sent back as a :class:`RemotePage`. :func:`probe_worker` answers
the head's check of a worker (its TRAMS, Tesseract and language data). :func:`worker_command`
and :func:`die_with_parent` are how `trams cluster worker` (:mod:`trams.app.cluster`) starts
Dask's worker on a machine.

Importing this module imports Dask: it is imported only when a cluster is used
(:func:`trams.scanning.stage.cluster_module`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import tempfile
import threading
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import get_worker
from trams.scanning import tesseract
from trams.scanning.options import ScanOptions
from trams.scanning.process_memory import M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, mallopt
from trams.scanning.recognize import check_engine
from trams.scanning.worker import PageError, PageOutcome

from trams import __version__
from trams.config import ClusterConfig
from trams.errors import DependencyError
from trams.i18n import _, set_language
from trams.models import SourcePage


@dataclass(frozen=True)
class RemotePage:
    """What a worker sends back for one page."""

    outcome: PageOutcome  # paths are the worker's scratch files; the head maps them back
    image: bytes | None  # the encoded page image (outcome.page.image.path's content)
    worker: str  # the worker's name
    scan: str  # where the worker put the scan (to find it in messages and paths)


_page_lock = threading.Lock()  # one page at a time per worker process (see run_page)
_malloc_tuned = False
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
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


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


# --- starting a worker (`trams cluster worker`) ---------------------------------------------
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
