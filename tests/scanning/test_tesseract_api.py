"""Tesseract's C API (tesserocr) against its command line: same words, boxes and confidences.

The API engine is the default only because it reads every page exactly as the command line
does (same engine, model and parameters: psm 3, the page's dpi, the same language string).
Both read the same images here: the reference pages as the worker hands them over (8-bit
grey), and as 1-bit and RGB copies, which take other paths into Tesseract.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image
from trams.scanning import engine, tesseract, tesseract_api
from trams.scanning.options import ScanOptions

from trams.errors import DependencyError, OcrError


@pytest.fixture(autouse=True, scope="module")
def _api_installed() -> None:
    reason = tesseract_api.unavailable_reason()
    if reason is not None:
        pytest.fail(f"the Tesseract API cannot be used: {reason} (scripts/setup.sh builds it)")


def _page(ref_pages: Path, number: int) -> Image.Image:
    image = Image.open(ref_pages / f"page{number:02d}.tif")
    image.load()
    return image


@pytest.mark.parametrize("number", range(1, 11))
def test_reference_pages_read_as_the_command_line_reads_them(ref_pages: Path,
                                                             number: int) -> None:
    image = _page(ref_pages, number)
    cli = tesseract.ocr_tsv(image, dpi=300, languages="vie", timeout=120)
    api = tesseract_api.ocr_tsv(image, dpi=300, languages="vie", timeout=120)
    assert len(cli) > 20
    assert api == cli  # every line: its words' text, boxes and confidences, its block


@pytest.mark.parametrize("mode", ["1", "RGB"])
def test_binary_and_colour_images_too(ref_pages: Path, mode: str) -> None:
    image = _page(ref_pages, 4).crop((0, 0, 1237, 1400)).convert(mode)  # odd width: padding
    cli = tesseract.ocr_tsv(image, dpi=300, languages="vie+eng", timeout=120)
    api = tesseract_api.ocr_tsv(image, dpi=300, languages="vie+eng", timeout=120)
    assert len(cli) >= 8 and api == cli


def test_orientation_as_the_command_line_finds_it(ref_pages: Path) -> None:
    page = _page(ref_pages, 3).reduce(2)
    for ccw in (90, 180, 270):
        turned = page.rotate(ccw, expand=True)
        cli = tesseract.osd(turned, dpi=150, timeout=60)
        api = tesseract_api.osd(turned, dpi=150, timeout=60)
        assert api == cli and api.rotate == ccw and api.confidence > 3
    blank = Image.new("L", (600, 800), 255)
    assert tesseract_api.osd(blank, dpi=150, timeout=60) == tesseract.Orientation(0, 0.0)


def test_missing_language_data_says_what_to_install() -> None:
    with pytest.raises(DependencyError) as info:
        tesseract_api.check("vie+klingon")
    assert "tesseract-ocr-klingon" in info.value.hint


def test_timeout_is_an_ocr_error(small_scan: Image.Image) -> None:
    with pytest.raises(OcrError) as info:
        tesseract_api.ocr_tsv(small_scan, dpi=300, languages="vie", timeout=0.05)
    assert "timeout_seconds" in info.value.hint
    # the model is still loaded and reads the next page
    assert tesseract_api.ocr_tsv(small_scan, dpi=300, languages="vie", timeout=60)


def test_each_thread_has_its_own_model(small_scan: Image.Image) -> None:
    """A TessBaseAPI is not thread-safe: threaded (Dask) workers each get their own, and
    pages read in parallel threads come out as they do one at a time."""
    alone = tesseract_api.ocr_tsv(small_scan, dpi=300, languages="vie", timeout=60)
    results, apis = {}, {}

    def read(key: int) -> None:
        results[key] = tesseract_api.ocr_tsv(small_scan, dpi=300, languages="vie",
                                             timeout=60)
        apis[key] = id(tesseract_api._apis()["vie"])
        tesseract_api.release()

    threads = [threading.Thread(target=read, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == results[1] == alone
    assert len({*apis.values(), id(tesseract_api._apis()["vie"])}) == 3


def test_engine_chosen_once_and_logged(caplog: pytest.LogCaptureFixture,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    engine.choose_tesseract.cache_clear()
    with caplog.at_level(logging.INFO, logger="trams.scanning.engine"):
        assert engine.resolve("tesseract") == "tesseract-api"
        assert engine.resolve("tesseract") == "tesseract-api"
    version = ".".join(map(str, tesseract.version()))
    assert [r.getMessage() for r in caplog.records] == [
        f"OCR engine: tesserocr (Tesseract {version} API)"]
    assert isinstance(engine.get_engine("tesseract"), engine.TesseractApiEngine)
    assert isinstance(engine.get_engine("tesseract-cli"), engine.TesseractEngine)

    caplog.clear()
    engine.choose_tesseract.cache_clear()
    monkeypatch.setattr(tesseract_api, "unavailable_reason",
                        lambda: "tesserocr is not installed (No module named 'tesserocr')")
    try:
        with caplog.at_level(logging.INFO, logger="trams.scanning.engine"):
            assert isinstance(engine.get_engine("tesseract"), engine.TesseractEngine)
        assert [r.getMessage() for r in caplog.records] == [
            "OCR engine: tesseract command line, because tesserocr is not installed "
            "(No module named 'tesserocr')"]
    finally:
        engine.choose_tesseract.cache_clear()


def test_a_wheel_with_another_tesseract_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PyPI wheels bundle their own Tesseract: another engine, other results."""
    tesserocr = tesseract_api._import()
    monkeypatch.setattr(tesserocr, "tesseract_version",
                        lambda: "tesseract 5.5.4\n leptonica-1.85.0")
    tesseract_api.unavailable_reason.cache_clear()
    try:
        reason = tesseract_api.unavailable_reason()
    finally:
        monkeypatch.undo()
        tesseract_api.unavailable_reason.cache_clear()
    assert reason is not None and "5.5.4" in reason and "--no-binary tesserocr" in reason
    assert tesseract_api.unavailable_reason() is None


def test_the_api_runs_tesseract_on_one_thread(tmp_path: Path) -> None:
    """OMP_THREAD_LIMIT=1 reaches the library's OpenMP runtime whoever loads it first:
    two workers on two cores, not two workers each starting threads on both."""
    code = ("import ctypes\n"
            "from trams.scanning import tesseract_api\n"
            "tesseract_api._import()\n"
            "print(ctypes.CDLL('libgomp.so.1').omp_get_thread_limit())\n")
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, timeout=60)
    assert out.stdout.strip() == "1"


def test_the_command_line_engine_is_the_fallback(ref_pages: Path, tmp_path: Path) -> None:
    """Forced to the command line, a page comes out as the API reads it."""
    from trams.scanning.worker import process_page

    from trams.models import SourcePage

    source = SourcePage(ref_pages / "page06.tif")
    by_cli = process_page(source, tmp_path / "cli", ScanOptions(engine="tesseract-cli"))
    by_api = process_page(source, tmp_path / "api", ScanOptions(engine="tesseract"))
    assert by_cli.error is None and by_api.error is None
    assert by_cli.page.lines == by_api.page.lines
    assert by_cli.page.quality == by_api.page.quality
