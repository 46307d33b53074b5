"""Shared rendering helpers: consoles and JSON output. Pure presentation."""

from __future__ import annotations

import json
import sys
from typing import Any

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
