"""The tesseract module: checks with install hints, timeouts, TSV parsing, OSD."""

from __future__ import annotations

import pytest
from PIL import Image
from trams.scanning import tesseract

from trams.errors import DependencyError, OcrError


def test_version_and_languages() -> None:
    assert tesseract.version() >= (4, 1, 0)
    tesseract.check("vie")
    tesseract.check("vie+eng")


def test_missing_language_data_says_what_to_install() -> None:
    with pytest.raises(DependencyError) as info:
        tesseract.check("vie+klingon")
    assert "klingon" in info.value.message
    assert "tesseract-ocr-klingon" in info.value.hint


def test_missing_program_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tesseract.shutil, "which", lambda name: None)
    with pytest.raises(DependencyError) as info:
        tesseract._program()
    assert "apt install tesseract-ocr" in info.value.hint


def test_timeout_is_an_ocr_error(small_scan: Image.Image) -> None:
    with pytest.raises(OcrError) as info:
        tesseract.ocr_tsv(small_scan, dpi=300, languages="vie", timeout=0.05)
    assert "timeout_seconds" in info.value.hint


def test_tsv_becomes_nfc_lines_in_order() -> None:
    decomposed = "Quye\u0302\u0301t"  # "Quyết" with combining marks
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth" \
             "\theight\tconf\ttext"
    rows = [header,
            "5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t91.5\t" + decomposed,
            "5\t1\t1\t1\t1\t2\t50\t20\t30\t40\t80\tđịnh",
            "5\t1\t1\t1\t1\t3\t90\t20\t30\t40\t-1\t ",
            "5\t1\t2\t1\t1\t1\t10\t90\t30\t40\t70\tSố"]
    lines = tesseract.parse_tsv("\n".join(rows))
    assert [line.text for line in lines] == ["Quyết định", "Số"]
    assert lines[0].words[0].text == "Quyết"  # NFC
    assert lines[0].box == (10, 20, 80, 60)
    with pytest.raises(OcrError):
        tesseract.parse_tsv("garbage")


def test_osd_finds_the_turn(small_scan: Image.Image, ref_pages) -> None:
    page = Image.open(ref_pages / "page03.tif")
    found = tesseract.osd(page.rotate(90, expand=True), dpi=300, timeout=60)
    assert found.rotate == 90 and found.confidence > 3


def test_install_hints_name_debian_packages() -> None:
    assert tesseract.package("vie") == "tesseract-ocr-vie"
    assert tesseract.package("chi_sim") == "tesseract-ocr-chi-sim"
    assert tesseract.package("Vietnamese") == "tesseract-ocr-script-viet"
    assert tesseract.package("script/Latin") == "tesseract-ocr-script-latn"
