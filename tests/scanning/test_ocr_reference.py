"""Real Tesseract on the shared reference pages: skew, CER and orientation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from support.textmetrics import best_cer
from trams.scanning import DocumentFailure, ScanOptions, recognize_documents
from trams.scanning.cleanup import measure_skew, rotate_fine

from trams.models import DocumentSource, SourcePage

DEFAULT_PAGES = (1, 4, 8)  # DejaVu and Liberation, positive and negative skew


def _recognize(paths: list[Path], workdir: Path, **options):
    docs = [DocumentSource(name=p.name, pages=(SourcePage(p),)) for p in paths]
    results = list(recognize_documents(docs, ScanOptions(**options), jobs=2, workdir=workdir))
    failures = [r for r in results if isinstance(r, DocumentFailure)]
    assert not failures, [f.message for f in failures]
    return results


@pytest.mark.parametrize("number", range(1, 11))
def test_skew_measured_within_a_tenth_of_the_limit(ref_pages: Path, number: int) -> None:
    stem = ref_pages / f"page{number:02d}"
    angle = json.loads(stem.with_suffix(".meta.json").read_text())["angle_deg"]
    image = Image.open(stem.with_suffix(".tif"))
    found = measure_skew(image, 300)
    assert abs(found - angle) <= 0.3
    residual = measure_skew(rotate_fine(image, -found), 300)
    assert abs(residual) <= 0.3, residual


def _check_cer(ref_pages: Path, numbers, tmp_path: Path, suffix: str = ".tif") -> None:
    paths = [ref_pages / f"page{n:02d}{suffix}" for n in numbers]
    results = _recognize(paths, tmp_path)
    scores = {}
    for n, doc in zip(numbers, results, strict=True):
        page = doc.pages[0]
        assert page.quality.rotation_fixed == 0
        scores[n] = best_cer(page.text, ref_pages / f"page{n:02d}")
        # the archived page is the straightened one
        assert page.image.width == 2480 and page.image.path.is_file()
    assert all(s <= 0.010 for s in scores.values()), scores


def test_cer_of_reference_pages(ref_pages: Path, tmp_path: Path) -> None:
    _check_cer(ref_pages, DEFAULT_PAGES, tmp_path)


@pytest.mark.slow
def test_cer_of_all_ten_reference_pages(ref_pages: Path, tmp_path: Path) -> None:
    _check_cer(ref_pages, range(1, 11), tmp_path)


def test_rotated_pages_come_out_upright(ref_pages: Path, tmp_path: Path) -> None:
    page = Image.open(ref_pages / "page02.tif")
    paths = []
    # PIL turns counter-clockwise: a page turned 90 CCW needs 270 clockwise... the
    # recorded fix is the clockwise turn that makes it upright.
    for ccw, fix in ((90, 90), (180, 180), (270, 270)):
        path = tmp_path / f"turned{ccw}.tif"
        page.rotate(ccw, expand=True).save(path, dpi=(300, 300), compression="tiff_lzw")
        paths.append((path, fix))
    results = _recognize([p for p, _ in paths], tmp_path / "work")
    for (path, fix), doc in zip(paths, results, strict=True):
        recognized = doc.pages[0]
        assert recognized.quality.rotation_fixed == fix, path.name
        assert (recognized.image.width, recognized.image.height) == (2480, 3508)
        assert best_cer(recognized.text, ref_pages / "page02") <= 0.015, path.name
        assert doc.verdict == "ok"
