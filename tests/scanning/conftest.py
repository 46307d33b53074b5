"""Fixtures for scanning tests: the shared reference pages, small scans, a CER function."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from support.pages import reference_pages


@pytest.fixture(scope="session")
def ref_pages() -> Path:
    """The 10 reference pages (samples/gen_scans.py --reference, made once and cached)."""
    return reference_pages()


@pytest.fixture(scope="session")
def small_scan(ref_pages: Path) -> Image.Image:
    """Top of reference page 1 (header, title, first lines): a fast but real OCR input."""
    page = Image.open(ref_pages / "page01.tif")
    page.load()
    return page.crop((0, 0, page.width, 1150))


@pytest.fixture(scope="session")
def small_scan_skew(ref_pages: Path) -> float:
    """The angle reference page 1 (and so ``small_scan``) was turned by when 'scanned'."""
    return json.loads((ref_pages / "page01.meta.json").read_text())["angle_deg"]
