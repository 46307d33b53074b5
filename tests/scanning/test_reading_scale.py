"""Pages read smaller when their text stands tall (:mod:`trams.scanning.ocr_image`): the
line height measured, the scale chosen, and the words' boxes back on the page's pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from trams.scanning.cleanup import ink_mask, line_height, measure_skew
from trams.scanning.engine import worker_engine
from trams.scanning.ocr_image import MIN_READ_DPI, READ_LINE_PX, ocr_view, reading_scale
from trams.scanning.options import ScanOptions
from trams.scanning.worker import process_page

from trams.models import SourcePage


def _ruled(height: int, pitch: int, dpi: int = 300) -> Image.Image:
    """An A4 page of 20 black bars ``height`` px tall, ``pitch`` px apart: lines of text
    as the ink projection sees them."""
    image = Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)
    draw = ImageDraw.Draw(image)
    for row in range(20):
        top = 300 + row * pitch
        for x in range(300, image.width - 300, 60):  # words: ink with gaps
            draw.rectangle((x, top, x + 45, top + height - 1), fill=0)
    return image


@pytest.mark.parametrize("height", [24, 40, 58, 90])
def test_line_height_is_measured_from_the_ink(height: int) -> None:
    page = _ruled(height, pitch=round(height * 1.6))
    found = line_height(ink_mask(page, 300), 0.0, 300)
    assert found is not None and abs(found - height) <= 2, found


def test_no_line_height_without_lines() -> None:
    blank = Image.new("L", (2480, 3508), 255)
    assert line_height(ink_mask(blank, 300), 0.0, 300) is None


def test_scale_shrinks_tall_text_only_and_never_under_200_dpi() -> None:
    assert reading_scale(300, 57) == pytest.approx(READ_LINE_PX / 57)  # 13-14 pt body
    assert reading_scale(600, 114) == pytest.approx(READ_LINE_PX / 114)
    assert reading_scale(300, 300) == pytest.approx(MIN_READ_DPI / 300)  # a poster's type
    assert reading_scale(300, 38) == 1.0  # small print: as it is
    assert reading_scale(300, 43) == 1.0  # under 10 % smaller: not worth a resampling
    assert reading_scale(200, 57) == 1.0  # at the Circular's floor already
    assert reading_scale(300, None) == 1.0


def test_view_is_smaller_and_says_its_resolution() -> None:
    page = _ruled(58, 93)
    view = ocr_view(page, (300.0, 300.0), drop_red_ink=True, line_height=58.0)
    assert view.dpi == pytest.approx(300 * READ_LINE_PX / 58)
    assert view.image.width == round(page.width * view.dpi / 300)
    assert view.scale[0] == pytest.approx(page.width / view.image.width)
    same = ocr_view(page, (300.0, 300.0), drop_red_ink=True, line_height=30.0)
    assert same.image is page and same.scale == (1.0, 1.0)


def test_words_read_smaller_land_on_the_page_where_tesseract_finds_them(
        ref_pages: Path, tmp_path: Path) -> None:
    """Reference page 4 (300 dpi, 13-14 pt): read at about 210 dpi, its words' boxes,
    mapped back, cover the same page pixels as those Tesseract gives at 300 dpi."""
    scan = ref_pages / "page04.tif"
    options = ScanOptions(deskew=False)  # both readings on the same pixels
    outcome = process_page(SourcePage(scan), tmp_path / "p", options)
    assert outcome.error is None and outcome.page is not None
    with Image.open(scan) as image:
        page = image.convert("L")
    assert reading_scale(300, line_height(ink_mask(page, 300), measure_skew(page, 300), 300)) < 0.9
    full = worker_engine("tesseract", timeout=120, workdir=tmp_path).recognize(
        page, dpi=300, languages="vie")
    at_300: dict[str, list[tuple[int, int, int, int]]] = {}
    for line in full:
        for word in line.words:
            at_300.setdefault(word.text, []).append(word.box)
    words = [w for line in outcome.page.lines for w in line.words if len(w.text) >= 4]
    placed = [w for w in words if any(np.allclose(w.box, box, atol=6)  # 0.5 mm
                                      for box in at_300.get(w.text, ()))]
    assert len(words) >= 100 and len(placed) >= 0.9 * len(words), (len(placed), len(words))


def test_setting_zero_reads_pages_as_scanned() -> None:
    assert reading_scale(300, 57, target=0) == 1.0
    page = _ruled(58, 93)
    view = ocr_view(page, (300.0, 300.0), drop_red_ink=True, line_height=58.0,
                    read_line_height=0)
    assert view.image is page and view.dpi == 300.0
