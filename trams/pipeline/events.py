"""Run events and the run summary.

Every step of a run is an event ``(name, data)`` given to each sink: the JSON-lines log
file in the archive (``.trams/logs/run-<id>.jsonl``, always written), and whatever the
CLI shows (a progress bar on a terminal, JSON lines on stderr for cron). Events carry no
secret: key sources are named by role, never by PIN or passphrase.

Event names: ``run_started``, ``planned`` (documents, pages, skipped), ``document_skipped``,
``page_done``, ``document_archived``, ``document_failed``, ``input_moved``,
``run_aborted``, ``run_interrupted``, ``run_finished`` (the summary).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from trams.errors import ExitCode, TramsError

Sink = Callable[[str, dict[str, Any]], None]
STAGES = ("discover", "ocr_wait", "pdfa", "sign", "verify", "archive", "move")


def error_dict(error: TramsError) -> dict[str, Any]:
    return {"error": type(error).__name__, "exit_code": int(error.exit_code),
            "message": error.message, "path": str(error.path) if error.path else None,
            "hint": error.hint, "line": error.one_line()}


def event_line(event: str, data: dict[str, Any]) -> str:
    """One event as a line of JSON (the log file's and `--log-format json`'s format)."""
    line = {"time": datetime.now().astimezone().isoformat(timespec="milliseconds"),
            "event": event, **data}
    return json.dumps(line, ensure_ascii=False, default=str) + "\n"


class JsonLog:
    """A JSON-lines event log file, one object per line, flushed per event."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        self._fh.write(event_line(event, data))
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            os.fsync(self._fh.fileno())
            self._fh.close()


@dataclass
class RunSummary:
    run_id: str
    inbox: str
    archive: str
    dry_run: bool = False
    documents: list[dict[str, Any]] = field(default_factory=list)
    input_failures: list[dict[str, Any]] = field(default_factory=list)
    moved: list[dict[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    wall_seconds: float = 0.0
    log_file: str | None = None
    aborted: dict[str, Any] | None = None
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for d in self.documents if d["status"] == status)

    def pages(self, status: str) -> int:
        return sum(d.get("pages", 0) for d in self.documents if d["status"] == status)

    @property
    def failed(self) -> int:
        return self.count("failed") + len(self.input_failures)

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if self.aborted is not None:
            return ExitCode(self.aborted["exit_code"])
        return ExitCode.PARTIAL if self.failed else ExitCode.OK

    def totals(self) -> dict[str, Any]:
        return {status: {"documents": self.count(status), "pages": self.pages(status)}
                for status in ("archived", "skipped", "failed", "planned")}

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "inbox": self.inbox, "archive": self.archive,
                "dry_run": self.dry_run, "exit_code": int(self.exit_code),
                "totals": self.totals(), "documents": self.documents,
                "input_failures": self.input_failures, "moved": self.moved,
                "timings": {k: round(v, 3) for k, v in self.timings.items()},
                "wall_seconds": round(self.wall_seconds, 2), "log_file": self.log_file,
                "aborted": self.aborted, "interrupted": self.interrupted}
