"""Images (encoding, size, exactness) and word placement of the text layer."""

from __future__ import annotations

import html
import json
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
    remaining = list(found)  # extraction may order blocks differently: match by place
    for word in expected:
        x0, top, x1, bottom = (v * scale for v in word.box)
        match = [f for f in remaining if f[0] == word.text
                 # horizontally the glyphs span the word's box (a search highlights it)
                 and abs(f[1] - x0) < 0.5 and abs(f[3] - x1) < 0.5
                 # vertically the highlighted box contains the word's box
                 and f[2] <= top + 0.5 and f[4] >= bottom - 0.5]
        assert len(match) == 1, (word, match)
        remaining.remove(match[0])
    assert not remaining


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
    noisiest = max(ref_dir.glob("page??.meta.json"),
                   key=lambda m: json.loads(m.read_text())["noise_sigma"])
    stem = noisiest.name.removesuffix(".meta.json")
    noisy = Image.open(ref_dir / f"{stem}.tif")
    unbudgeted = encode_page(noisy, tmp_path / "a", budget=False)
    budgeted = encode_page(noisy, tmp_path / "b")
    assert unbudgeted.path.stat().st_size > 1_500_000
    assert budgeted.path.stat().st_size <= 1_500_000
    clean = Image.open(ref_dir / f"clean_{stem}.png").convert("L")
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
