"""A process's memory between pages and documents: what the C heap keeps, and when the
collector runs. Used by the page workers (:mod:`.worker`, :mod:`.cluster_worker`) and by
the run's main process (:mod:`.recognize`)."""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

# glibc's mallopt parameters, and the size from which a page worker's buffers get mappings
# of their own (see worker.init_worker)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
PAGE_MMAP_THRESHOLD = 4 << 20


def mallopt(param: int, value: int) -> None:
    """glibc's ``mallopt`` (tuning of the C heap); nothing on other systems."""
    if not sys.platform.startswith("linux"):
        return
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(param, value)


@cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None elsewhere."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory(*, full: bool = False) -> None:
    """Give the memory freed since the last call back to the system. Tesseract and the
    image libraries free a page's buffers into the C heap, which keeps them: without this
    a process stays at the size of the largest page it ever read (a worker) or of the
    largest document it ever signed (the main process). The collector goes first: after a
    page its young generations (1 ms); after a document (``full``) all of them, since
    signing and verifying leave reference cycles (pyHanko's readers and writers, with the
    PDF's bytes) that outlive the young collections made while they were in use, and would
    otherwise wait for Python's next full collection: in a run, 13 MB more per document
    until then (10 documents: 148 -> 237 MB before a document, flat at 178 MB with this).
    Within :func:`frozen_start` such a collection takes about 10 ms."""
    gc.collect() if full else gc.collect(1)
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@contextmanager
def frozen_start() -> Iterator[None]:
    """Around a batch: what is alive when it starts (modules, keys, settings) is left out of
    the collector's passes (``gc.freeze``). A full collection after each document then
    walks that document's objects only (about 10 ms, not 100-160 ms)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
