"""Red ink (seals, "ĐẾN" stamps, a leader's red pen) is left out of the image Tesseract
reads, and kept in the archived page. Measured on pages printed with seals and stamps and
scanned back (samples/gen_scans.py --sealed), against bare `tesseract -l vie`."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PIL import Image
from support.pages import sealed_pages
from support.textmetrics import best_cer
from trams.scanning import ScanOptions, discover, recognize_documents
from trams.scanning.ocr_image import drop_red, has_red_ink


def test_dropout_keeps_black_and_blue_and_drops_red() -> None:
    swatches = {"paper": (246, 243, 235), "black": (30, 30, 36), "blue pen": (30, 50, 170),
                "seal red": (205, 32, 45), "faded red": (235, 120, 125),
                "red over black": (25, 5, 8)}
    image = Image.new("RGB", (len(swatches) * 10, 10))
    for i, colour in enumerate(swatches.values()):
        image.paste(colour, (i * 10, 0, i * 10 + 10, 10))
    gray = np.asarray(drop_red(image))[5, 5::10]
    levels = dict(zip(swatches, gray, strict=True))
    assert levels["seal red"] >= 200 and levels["faded red"] >= 200  # reads as paper
    assert levels["black"] < 40 and levels["red over black"] < 40  # text under a seal stays
    assert levels["blue pen"] < 100  # a signature or handwriting is not dropped
    assert has_red_ink(image) and not has_red_ink(image.convert("L").convert("RGB"))


def test_dropout_works_a_band_at_a_time_with_the_same_grey(monkeypatch) -> None:
    """A colour page is turned grey in bands of rows: the grey values are those of the whole
    page at once, and the float arrays of the whole page (250 MB for an A4 colour scan at
    300 dpi) are never made. numpy reports its arrays to tracemalloc."""
    import tracemalloc

    from trams.scanning import ocr_image

    rng = np.random.default_rng(20261201)
    pixels = rng.integers(0, 256, size=(1500, 1000, 3), dtype=np.uint8)
    pixels[200:700, 300:800] = (205, 32, 45)  # a seal's red
    image = Image.fromarray(pixels, "RGB")
    rgb = pixels.astype(np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    weight = np.clip((r - np.maximum(g, b) - ocr_image.RED_START) / ocr_image.RED_SPAN, 0, 1)
    whole = np.clip(luma + weight * (r - luma) + 0.5, 0, 255).astype(np.uint8)
    del rgb, r, g, b, luma, weight
    tracemalloc.start()
    try:
        grey = drop_red(image)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.array_equal(np.asarray(grey), whole)
    assert peak < 2 * pixels.nbytes, peak  # the page at once: 10 times its RGB bytes
    monkeypatch.setattr(ocr_image, "BAND_ROWS", 7)  # bands that do not divide the height
    assert np.array_equal(np.asarray(drop_red(image)), whole)


def _bare_tesseract(path) -> str:
    return subprocess.run(["tesseract", str(path), "stdout", "-l", "vie"], capture_output=True,
                          check=True, timeout=300).stdout.decode("utf-8")


@pytest.mark.slow
def test_seals_and_stamps_no_longer_garble_the_text(tmp_path) -> None:
    folder = sealed_pages()
    page = folder / "seal05-300.jpg"  # a received letter: "ĐẾN" stamp, red-pen note, seal
    stem = page.with_suffix("")
    found = discover([page])
    [dropped] = recognize_documents(found.documents, ScanOptions(), jobs=1,
                                    workdir=tmp_path / "a")
    [kept] = recognize_documents(found.documents, ScanOptions(drop_red_ink=False), jobs=1,
                                 workdir=tmp_path / "b")
    with_dropout, without = best_cer(dropped.text, stem), best_cer(kept.text, stem)
    bare = best_cer(_bare_tesseract(page), stem)
    assert with_dropout < 0.6 * without, (with_dropout, without)
    assert with_dropout <= bare, (with_dropout, bare)
    # the archived page keeps its colours: the seal is still red
    archived = dropped.pages[0].image
    assert archived.colorspace == "/DeviceRGB"
    pixels = np.asarray(Image.open(archived.path).convert("RGB").reduce(4), dtype=np.int16)
    red = (pixels[..., 0] - np.maximum(pixels[..., 1], pixels[..., 2])) > 80
    assert red.sum() > 200
