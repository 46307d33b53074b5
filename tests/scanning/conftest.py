"""Fixtures for scanning tests: the shared reference pages, small scans, a CER function."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

GEN_PAGES = Path("/work/shared/bench/gen_pages.py")


@pytest.fixture(scope="session")
def ref_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 10 shared reference pages (generated once per test session / xdist worker)."""
    if not GEN_PAGES.is_file():
        pytest.fail(f"reference page generator missing: {GEN_PAGES}")
    out = tmp_path_factory.mktemp("refpages")
    subprocess.run([sys.executable, str(GEN_PAGES), str(out)], check=True,
                   capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="session")
def small_scan(ref_pages: Path) -> Image.Image:
    """Top of reference page 1 (header, title, first lines): a fast but real OCR input."""
    page = Image.open(ref_pages / "page01.tif")
    page.load()
    return page.crop((0, 0, page.width, 1150))
