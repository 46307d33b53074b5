"""Fixtures of the archive tests (helpers live in tests/support/archive.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.archive import fake_pdf


@pytest.fixture
def pdfs(tmp_path: Path):
    def make(name: str, text: str | None = None, size: int = 0) -> Path:
        return fake_pdf(tmp_path / name, text or name, size)
    return make
