"""Images (encoding, size, exactness) and word placement of the text layer."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from trams.pdf.assemble import write_pdfa
from trams.pdf.images import encode_page


def _bbox_words(path: Path) -> list[tuple[str, float, float, float, float]]:
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
                         capture_output=True, check=True, timeout=60).stdout.decode("utf-8")
    words = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="([\d.]+)">(.*?)</word>', out):
        words.append((html.unescape(m.group(5)), *map(float, m.group(1, 2, 3, 4))))
    return words


def test_each_word_is_placed_on_its_box(gray_pages, tmp_path) -> None:
    page = gray_pages[0]
    result = write_pdfa([page], None, None, tmp_path / "p.pdf")
    found = _bbox_words(result.path)
    expected = [w for line in page.lines for w in line.words]
    assert len(found) == len(expected)
    scale = 72.0 / page.dpi[0]
    for (text, x0, y0, x1, y1), word in zip(found, expected, strict=True):
        assert text == word.text
        # horizontally the glyphs span the word's box (a search highlights that word)
        assert abs(x0 - word.box[0] * scale) < 0.5, (text, x0, word.box)
        assert abs(x1 - word.box[2] * scale) < 0.5, (text, x1, word.box)
        # vertically the word's box lies within the highlighted line box
        assert y0 <= word.box[1] * scale + 0.5 and y1 >= word.box[3] * scale - 0.5


def test_default_gray_page_is_small_and_jpeg(gray_pages, tmp_path) -> None:
    result = write_pdfa(gray_pages, None, None, tmp_path / "g.pdf")
    assert result.bytes / result.pages <= 1_500_000
    with pikepdf.open(result.path) as pdf:
        image = pdf.pages[0].Resources.XObject.Im0
        assert image.Filter == "/DCTDecode" and image.ColorSpace == "/DeviceGray"
        assert (image.Width, image.Height) == (2480, 3508)
        # the JPEG is embedded as the worker wrote it: no decode, no re-encode
        assert image.read_raw_bytes() == gray_pages[0].image.path.read_bytes()


def test_budget_lowers_quality_only_when_needed(ref_dir, tmp_path) -> None:
    noisy = Image.open(ref_dir / "page10.tif")  # the noisiest reference page
    unbudgeted = encode_page(noisy, tmp_path / "a", budget=False)
    budgeted = encode_page(noisy, tmp_path / "b")
    assert unbudgeted.path.stat().st_size > 1_500_000
    assert budgeted.path.stat().st_size <= 1_500_000
    clean = Image.open(ref_dir / "clean_page10.png").convert("L")
    small = encode_page(clean, tmp_path / "c")
    direct = encode_page(clean, tmp_path / "d", budget=False)
    assert small.path.read_bytes() == direct.path.read_bytes()  # under budget: untouched


@pytest.mark.parametrize("mode", ["1", "L", "RGB"])
def test_lossless_and_bilevel_images_are_exact(ref_dir, tmp_path, mode) -> None:
    source = Image.open(ref_dir / "clean_page05.png").convert(mode)
    encoded = encode_page(source, tmp_path / "p", lossless=True)
    expected_filter = "/CCITTFaxDecode" if mode == "1" else "/FlateDecode"
    assert encoded.filter == expected_filter
    from trams.models import PageQuality, RecognizedPage, SourcePage
    page = RecognizedPage(SourcePage(tmp_path / "x.png"), encoded, (300.0, 300.0), (),
                          PageQuality(dpi=300))
    result = write_pdfa([page], None, None, tmp_path / "p.pdf", level="1b")
    with pikepdf.open(result.path) as pdf:
        image = pikepdf.PdfImage(pdf.pages[0].Resources.XObject.Im0).as_pil_image()
    assert image.size == source.size
    assert ImageChops.difference(image.convert("L"), source.convert("L")).getbbox() is None
    if mode == "1":  # G4 is far smaller than 1-bit Flate for text
        assert encoded.path.stat().st_size < len(source.tobytes()) / 10


def test_bilevel_is_g4_by_default(ref_dir, tmp_path) -> None:
    source = Image.open(ref_dir / "clean_page01.png").convert("1", dither=Image.NONE)
    encoded = encode_page(source, tmp_path / "b")
    assert encoded.filter == "/CCITTFaxDecode" and encoded.decode_parms["K"] == -1


def test_page_size_follows_pixels_and_dpi(gray_pages, tmp_path) -> None:
    import dataclasses
    page = dataclasses.replace(gray_pages[0], dpi=(200.0, 200.0))
    result = write_pdfa([page], None, None, tmp_path / "s.pdf")
    with pikepdf.open(result.path) as pdf:
        assert [float(v) for v in pdf.pages[0].MediaBox] == [0, 0, 892.8, 1262.88]
