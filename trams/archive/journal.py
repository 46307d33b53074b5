"""Append-only, hash-chained journal of archival events (``.trams/journal.jsonl``).

One JSON object per line, keys sorted, UTF-8. Each entry holds ``seq`` (1, 2, ...) and
``prev``: the SHA-256 (hex) of the previous line's bytes without its newline (64 zeros for
the first). Editing or removing a line breaks the chain at the next one; removing lines at
the end is caught by comparing with the head (last seq and hash) kept in the state database.

An append is one ``write`` of the whole line followed by ``fsync``. A crash can leave a torn
last line (no final newline); :func:`Journal.repair_tail` cuts it off on the next open, which
is safe because the transaction that wrote it is redone or rolled back by the recovery.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trams.faults import disk_full, fault, hit, kill_now

GENESIS = "0" * 64


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: Head
    broken_at: int | None  # line number (1-based) where the chain or the JSON breaks
    torn_tail: bool  # last line has no newline (interrupted append)


class Journal:
    def __init__(self, path: Path):
        self.path = path

    def _lines(self) -> tuple[list[bytes], bool]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return [], False
        torn = bool(data) and not data.endswith(b"\n")
        lines = data.split(b"\n")
        if not torn:
            lines = lines[:-1]  # the empty string after the final newline
        return lines, torn

    def verify(self) -> ChainReport:
        lines, torn = self._lines()
        if torn:
            lines = lines[:-1]
        prev = GENESIS
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
                ok = entry.get("prev") == prev and entry.get("seq") == number
            except (ValueError, AttributeError):
                ok = False
            if not ok:
                return ChainReport(len(lines), Head(number - 1, prev), number, torn)
            prev = line_hash(line)
        return ChainReport(len(lines), Head(len(lines), prev), None, torn)

    def repair_tail(self) -> bool:
        """Cut a torn last line (crash during an append). Returns True if one was cut."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return False
        if not data or data.endswith(b"\n"):
            return False
        keep = data.rfind(b"\n") + 1
        with open(self.path, "r+b") as fh:
            fh.truncate(keep)
            os.fsync(fh.fileno())
        return True

    def last(self) -> dict | None:
        lines, torn = self._lines()
        if torn:
            lines = lines[:-1]
        return json.loads(lines[-1]) if lines else None

    def entries(self) -> list[dict]:
        lines, torn = self._lines()
        return [json.loads(line) for line in (lines[:-1] if torn else lines)]

    def append(self, head: Head, event: str, **fields: object) -> Head:
        """Append one event after ``head`` (the current last entry); returns the new head."""
        entry = {"seq": head.seq + 1, "prev": head.hash, "event": event,
                 "time": datetime.now().astimezone().isoformat(timespec="seconds"), **fields}
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        data = line.encode("utf-8") + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            try:
                disk_full("journal.append")
                if hit("journal.partial_line"):  # a torn append, then kill -9
                    os.write(fd, data[: len(data) // 2])
                    os.fsync(fd)
                    kill_now()
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)  # never leave a torn line behind an error
                raise
        finally:
            os.close(fd)
        fault("journal.appended")
        return Head(head.seq + 1, line_hash(line.encode("utf-8")))
