"""Helpers of the init/doctor tests (not conftest: that name is taken in other folders)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trams.cli.main import run

SECRET_ENV = "TRAMS_DOCTOR_TEST_P12"


def doctor(config: Path | None, capsys: pytest.CaptureFixture, *args: str,
           lang: str = "en") -> tuple[int, dict | str, str]:
    """Run `trams doctor` in-process: (exit code, parsed JSON or the text, stdout+stderr)."""
    argv = ["--lang", lang, *(["--config", str(config)] if config else []), "doctor", *args]
    code = run(argv)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in args else out), out + err


def by_name(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


def failed(report: dict) -> list[str]:
    return [c["name"] for c in report["checks"] if c["status"] == "fail"]
