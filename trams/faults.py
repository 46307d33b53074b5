"""Fault injection for crash tests: kill this process at a named point.

``TRAMS_FAULT=point`` (or ``point@N`` for the N-th time the point is reached) makes the
process kill itself with SIGKILL there, exactly like ``kill -9`` from outside: no cleanup,
no ``finally``, no flush. Tests set it in a child process, then re-run without it and check
that the archive recovered. Unset (production), :func:`fault` is a dictionary lookup.

:data:`POINTS` lists every point placed in the archive code, so tests can iterate over them
and a point cannot silently disappear from the code (a test checks each one is reached).
The run (``trams.pipeline``) has points of its own (``run.signed``, ...), killed at by the
run's crash tests.
"""

from __future__ import annotations

import errno
import os
import signal

ENV = "TRAMS_FAULT"
ENOSPC_ENV = "TRAMS_FAULT_ENOSPC"  # point name: raise "disk full" there instead of killing

POINTS = (
    # add_document, in the order they are reached
    "add.row_inserted",  # state row 'staging' committed, nothing written yet
    "stage.pdf_partial",  # half of the staged PDF copy written
    "stage.pdf_written",  # staged PDF complete, not yet fsynced
    "stage.json_written",
    "stage.sidecar_written",
    "stage.record_json_written",
    "stage.done",  # staging folder fsynced, state not yet 'staged'
    "state.staged",  # commit point: state says 'staged'
    "link.first",  # first final name linked into the record folder
    "link.all",  # every final name linked, folder not yet fsynced
    "tags.bagit_txt",  # bagit.txt temporary written (new record)
    "tags.manifest_tmp",  # new manifest written to a temporary file, not renamed
    "tags.manifest_renamed",  # manifest renamed, bag-info and tag manifest still old
    "tags.baginfo_renamed",
    "tags.tagmanifest_renamed",
    "journal.partial_line",  # half a journal line written
    "journal.appended",  # journal line complete and fsynced, state not 'done'
    "state.done",  # state 'done' committed, staging folder still there
    "staging.removed",
    # the search index, after the archive committed (a kill here leaves it stale)
    "index.update",  # archive committed (state 'done'), index not yet touched
    "index.tantivy_committed",  # Tantivy committed, rows and watermark not yet
    # no-op path (same content again)
    "duplicate.journaled",
    # recovery at open, to test a crash during recovery
    "recover.rolled_forward_links",
    "recover.journal_appended",
)

_spec: tuple[str, int] | None | bool = False  # False: not read yet
_counts: dict[str, int] = {}


def _target() -> tuple[str, int] | None:
    global _spec
    if _spec is False:
        raw = os.environ.get(ENV, "").strip()
        if not raw:
            _spec = None
        else:
            name, _sep, nth = raw.partition("@")
            _spec = (name, int(nth) if nth else 1)
    return _spec  # type: ignore[return-value]


def hit(point: str) -> bool:
    """Count one passage through ``point``; True when this is the one to kill at."""
    target = _target()
    if target is None or target[0] != point:
        return False
    _counts[point] = _counts.get(point, 0) + 1
    return _counts[point] == target[1]


def kill_now() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def fault(point: str) -> None:
    """Kill the process (SIGKILL) if ``TRAMS_FAULT`` names this point (and occurrence)."""
    if hit(point):
        kill_now()


def disk_full(point: str) -> None:
    """Raise ENOSPC at ``point`` when ``TRAMS_FAULT_ENOSPC`` names it (full-disk tests where
    no small filesystem can be mounted). Points: stage.pdf, tags.write, journal.append."""
    if os.environ.get(ENOSPC_ENV) == point:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
