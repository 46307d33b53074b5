"""Run events and the run summary.

Every step of a run is an event ``(name, data)`` given to each sink: the JSON-lines log
file in the archive (``.trams/logs/run-<id>.jsonl``, always written), and whatever the
CLI shows (a progress bar on a terminal, JSON lines on stderr for cron). Events carry no
secret: key sources are named by role, never by PIN or passphrase.

Event names: ``run_started``, ``warning`` (a certificate problem accepted by
``on_certificate_problem = "warn"``, a signing note, a record code worth fixing),
``planned`` (documents, pages, skipped), ``document_skipped``, ``page_done`` (document,
page, pages; ``worker`` for a page a cluster worker did), ``document_archived``,
``document_failed``, ``input_failed``,
``input_ignored`` (a file that is not a scan, left alone), ``input_moved``, ``log`` (a
library's log line or a Python warning: level, logger, message), ``run_aborted``,
``run_interrupted``, ``run_finished`` (the summary).

Every event that carries a ``message`` carries its machine ``code`` too (docs/codes.md),
the same in every language; errors carry the fields of ``TramsError.to_dict``.

A run refused before it knew its archive (:func:`refused_run`) gives the same events and
summary, and writes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from trams.errors import ExitCode, TramsError, notice_dict
from trams.models import DocumentStatus, InputFailure, SignatureRecord

Sink = Callable[[str, dict[str, Any]], None]
# codes (docs/codes.md) of ``log`` events, by level
LOG_CODES = {"debug": "log_debug", "info": "log_info", "warning": "log_warning",
             "error": "log_error", "critical": "log_critical"}
STAGES = ("discover", "ocr_wait", "pdfa", "sign", "verify", "archive", "move")


def event_line(event: str, data: dict[str, Any]) -> str:
    """One event as a line of JSON (the log file's and `--log-format json`'s format)."""
    line = {"time": datetime.now().astimezone().isoformat(timespec="milliseconds"),
            "event": event, **data}
    return json.dumps(line, ensure_ascii=False, default=str) + "\n"


class JsonLog:
    """A JSON-lines event log file, one object per line, flushed per event.

    The log never stops a run: a log that cannot be opened or written (disk full, read-only
    archive) keeps the error in ``error`` and writes nothing more; the run reports it."""

    def __init__(self, path: Path):
        self.path = path
        self.error: OSError | None = None
        self._fh = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            self.error = exc

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if self._fh is None:
            return
        try:
            self._fh.write(event_line(event, data))
            self._fh.flush()
        except OSError as exc:
            self.error = exc
            self._drop()

    def _drop(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            with suppress(OSError):  # the unwritten rest fails again; the file is closed
                fh.close()

    def close(self) -> None:
        if self._fh is None:
            return
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None
        except OSError as exc:
            self.error = self.error or exc
            self._drop()


class EventLogHandler(logging.Handler):
    """Python logging (and, through it, warnings) during a run, as ``log`` events: into the
    run's log file and to the screen or JSON lines like every other event. A traceback is
    kept only when debug logging is on (``--verbose``)."""

    def __init__(self, emit: Callable[..., None]):
        super().__init__(logging.DEBUG)  # the loggers' own levels decide what comes
        self._emit = emit
        self._busy = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False):
            return  # a sink that logs while writing an event: not again
        self._busy.on = True
        try:
            level = record.levelname.lower()
            data: dict[str, Any] = {"code": LOG_CODES.get(level, "log_error"), "level": level,
                                    "logger": record.name, "message": record.getMessage()}
            if record.exc_info and logging.getLogger().isEnabledFor(logging.DEBUG):
                data["traceback"] = "".join(traceback.format_exception(*record.exc_info))
            self._emit("log", **data)
        except Exception:  # noqa: BLE001 - logging must never break the run, nor print
            pass
        finally:
            self._busy.on = False


@contextmanager
def capture_logging(emit: Callable[..., None]) -> Iterator[EventLogHandler]:
    """For the time of a run: log records and Python warnings become ``log`` events."""
    handler = EventLogHandler(emit)
    root = logging.getLogger()
    root.addHandler(handler)
    logging.captureWarnings(True)
    try:
        yield handler
    finally:
        logging.captureWarnings(False)
        root.removeHandler(handler)


@dataclass(frozen=True)
class DocumentOutcome:
    """What became of one document of the run (one per planned document)."""

    name: str  # the source name (file or folder)
    status: DocumentStatus
    pages: int
    source_hash: str
    path: str | None = None  # archived: the PDF in the archive
    archive_status: str | None = None  # archived: "archived" (new) or "unchanged"
    ocr_verdict: str | None = None  # ok | review
    verification: str | None = None  # ETSI indication of the signed file
    signatures: tuple[SignatureRecord, ...] = ()
    warnings: tuple[str, ...] = ()
    error: TramsError | None = None  # failed: why
    duplicate_of: str | None = None  # skipped: an earlier document of this run, same hash
    stem: str | None = None  # planned (dry run): the archive name
    record: str | None = None  # archived or planned: the record code

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "status": str(self.status),
                                "pages": self.pages, "source_hash": self.source_hash}
        if self.status is DocumentStatus.ARCHIVED:
            data.update(path=self.path, record=self.record, archive_status=self.archive_status,
                        ocr_verdict=self.ocr_verdict, verification=self.verification,
                        signatures=[s.role for s in self.signatures],
                        signers=[s.to_dict() for s in self.signatures],
                        warnings=[notice_dict(w) for w in self.warnings])
        if self.status is DocumentStatus.PLANNED:
            data.update(stem=self.stem, record=self.record,
                        warnings=[notice_dict(w) for w in self.warnings])
        if self.error is not None:
            data.update(self.error.to_dict())
        if self.duplicate_of:
            data["duplicate_of"] = self.duplicate_of
        return data


@dataclass(frozen=True)
class MovedInput:
    """An inbox entry moved after its documents were settled."""

    source: str
    target: str
    to: str  # "done" | "failed"

    def to_dict(self) -> dict[str, str]:
        return {"from": self.source, "to": self.target, "as": self.to}


@dataclass
class RunSummary:
    """The run's report: what became of each document and input, and the exit code."""

    run_id: str
    inbox: str
    archive: str
    dry_run: bool = False
    documents: list[DocumentOutcome] = field(default_factory=list)
    input_failures: list[InputFailure] = field(default_factory=list)
    moved: list[MovedInput] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files that are not scans, left alone
    warnings: list[str] = field(default_factory=list)
    failed_waiting: int = 0  # inputs in inbox/.failed when the run ended (this run's or older)
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    wall_seconds: float = 0.0
    log_file: str | None = None
    aborted: TramsError | None = None
    interrupted: bool = False
    workers: dict[str, int] = field(default_factory=dict)  # cluster worker -> pages it did

    def count(self, status: DocumentStatus) -> int:
        return sum(1 for d in self.documents if d.status is status)

    def pages(self, status: DocumentStatus) -> int:
        return sum(d.pages for d in self.documents if d.status is status)

    @property
    def failures(self) -> list[TramsError]:
        return [*(d.error for d in self.documents if d.error is not None),
                *(f.error for f in self.input_failures)]

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if self.aborted is not None:
            return self.aborted.exit_code
        # A document that fails is set aside (inbox/.failed with its reason) and the run goes
        # on: whatever the document's reason, the run itself ends PARTIAL (5), so that a
        # script can tell "look at .failed" from a run that could not work (3, 4, 6-9, 15).
        return ExitCode.PARTIAL if self.failures else ExitCode.OK

    def totals(self) -> dict[str, Any]:
        return {str(status): {"documents": self.count(status), "pages": self.pages(status)}
                for status in (DocumentStatus.ARCHIVED, DocumentStatus.SKIPPED,
                               DocumentStatus.FAILED, DocumentStatus.PLANNED,
                               DocumentStatus.NOT_STARTED)}

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "inbox": self.inbox, "archive": self.archive,
                "dry_run": self.dry_run, "exit_code": int(self.exit_code),
                "totals": self.totals(), "documents": [d.to_dict() for d in self.documents],
                "input_failures": [f.to_dict() for f in self.input_failures],
                "moved": [m.to_dict() for m in self.moved], "ignored": self.ignored,
                "warnings": [notice_dict(w) for w in self.warnings],
                "failed_waiting": self.failed_waiting,
                "timings": {k: round(v, 3) for k, v in self.timings.items()},
                "wall_seconds": round(self.wall_seconds, 2), "log_file": self.log_file,
                "aborted": self.aborted.to_dict() if self.aborted else None,
                "interrupted": self.interrupted,
                "workers": dict(sorted(self.workers.items()))}


class _Timer:
    def __init__(self, timings: dict[str, float], stage: str):
        self.timings, self.stage = timings, stage

    def __enter__(self) -> None:
        self.t0 = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.stage] = self.timings.get(self.stage, 0.0) + time.monotonic() - self.t0


def refused_run(error: TramsError, *, inbox: Path | None = None, dry_run: bool = False,
                sinks: Sequence[Sink] = ()) -> RunSummary:
    """A run refused before it knew its archive (trams.toml could not be loaded): the
    events and the summary of any run, ``aborted`` by ``error``; nothing is written."""
    run_id = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    summary = RunSummary(run_id=run_id, inbox=str(inbox or ""), archive="", dry_run=dry_run,
                         aborted=error)
    for event, data in (("run_started", {"run_id": run_id, "inbox": summary.inbox,
                                         "archive": None, "dry_run": dry_run,
                                         "pid": os.getpid()}),
                        ("run_aborted", error.to_dict()),
                        ("run_finished", summary.to_dict())):
        for sink in sinks:
            sink(event, data)
    return summary
