"""Fixtures for scanning tests: the shared reference pages, small scans, a CER function."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

GEN_PAGES = Path("/work/shared/bench/gen_pages.py")


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def levenshtein(a: str, b: str) -> int:
    """Edit distance on characters; one numpy row per character of ``a``."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    bcodes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    ramp = np.arange(len(b) + 1)
    prev = ramp.copy()
    for i, ch in enumerate(a, start=1):
        cur = np.empty_like(prev)
        cur[0] = i
        subst = prev[:-1] + (bcodes != ord(ch))
        cur[1:] = np.minimum(prev[1:] + 1, subst)
        # insertions: cur[j] = min(cur[j], cur[j-1] + 1), a running minimum on cur - j
        cur = np.minimum.accumulate(cur - ramp) + ramp
        prev = cur
    return int(prev[-1])


def cer(recognized: str, truth: str) -> float:
    """Character error rate, whitespace-normalized (runs of spaces/newlines = one space)."""
    r, t = _normalize(recognized), _normalize(truth)
    return levenshtein(r, t) / max(1, len(t))


def best_cer(recognized: str, page_stem: Path) -> float:
    """Against gt.txt or gt_rows.txt, whichever fits better."""
    scores = []
    for suffix in (".gt.txt", ".gt_rows.txt"):
        gt = page_stem.with_name(page_stem.name + suffix)
        scores.append(cer(recognized, gt.read_text(encoding="utf-8")))
    return min(scores)


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
