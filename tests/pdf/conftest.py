"""Fixtures: the shared reference pages, OCRed once per session into RecognizedPages."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.pages import reference_pages
from support.pdftools import recognize

from trams.models import RecognizedPage


@pytest.fixture(scope="session")
def ref_dir() -> Path:
    return reference_pages()


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdf-work")


@pytest.fixture(scope="session")
def gray_pages(ref_dir: Path, work: Path) -> list[RecognizedPage]:
    """Pages 1 and 2 (one of each font), deskewed, OCRed, JPEG-encoded by default."""
    return [recognize(ref_dir / f"page{n:02d}.tif", work) for n in (1, 2)]


@pytest.fixture(scope="session")
def mixed_pages(ref_dir: Path, work: Path, gray_pages) -> list[RecognizedPage]:
    """Grayscale JPEG, bilevel G4 and colour pages in one document."""
    return [gray_pages[0],
            recognize(ref_dir / "page03.tif", work, mode="1"),
            recognize(ref_dir / "page04.tif", work, mode="RGB")]
