"""Shared rendering helpers: consoles and JSON output. Pure presentation."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from rich.console import Console

SCHEMA_VERSION = 1


def error_console() -> Console:
    """Messages, progress and logs go to stderr; data goes to stdout."""
    return Console(stderr=True, highlight=False)


def out_console() -> Console:
    return Console(highlight=False)


def print_json(data: dict[str, Any], *, kind: str) -> None:
    """One JSON document on stdout, with the schema version scripts can check."""
    payload = {"schema_version": SCHEMA_VERSION, "kind": kind, **data}
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


class CsvOut:
    """CSV as every TRAMS command writes it (docs/csv.md): UTF-8 with a byte-order mark, so
    Excel on Windows shows Vietnamese correctly; CRLF line ends; the command's fixed column
    set in its header row; booleans as ``true``/``false``, missing values empty."""

    def __init__(self, stream: IO[str], columns: Sequence[str]):
        stream.write("\ufeff")
        self._writer = csv.DictWriter(stream, fieldnames=list(columns), lineterminator="\r\n",
                                      extrasaction="ignore")
        self._writer.writeheader()

    @staticmethod
    def cell(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else value

    def rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._writer.writerows({k: self.cell(v) for k, v in row.items()} for row in rows)
