"""Every input format, through real Tesseract; resolution from the file or the default."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from trams.scanning import DocumentFailure, ScanOptions, discover, recognize_documents

from trams.errors import InputError
from trams.formats import HEAD_BYTES, SCAN_SUFFIXES, suffix_of

EXPECTED = ("ỦY BAN NHÂN DÂN", "QUYẾT ĐỊNH")


def _write_formats(image: Image.Image, folder: Path) -> dict[str, int]:
    """name -> expected page count"""
    gray = image.convert("L")
    bilevel = gray.point(lambda v: 255 if v >= 140 else 0).convert("1")
    colour = Image.merge("RGB", (gray, gray, gray.point(lambda v: min(255, v + 20))))
    dpi = (300, 300)
    gray.save(folder / "raw.tif", dpi=dpi, compression="raw")
    gray.save(folder / "lzw.tif", dpi=dpi, compression="tiff_lzw")
    bilevel.save(folder / "g4.tif", dpi=dpi, compression="group4")
    gray.save(folder / "jpeg-in.tif", dpi=dpi, compression="jpeg")
    colour.save(folder / "multi.tiff", dpi=dpi, compression="tiff_lzw", save_all=True,
                append_images=[gray])
    gray.save(folder / "scan.jpg", dpi=dpi, quality=85)
    colour.save(folder / "colour.png", dpi=dpi)
    gray.save(folder / "scan.bmp", dpi=dpi)
    gray.save(folder / "jpeg.pdf", resolution=300)
    bilevel.save(folder / "g4.pdf", resolution=300)
    return {"raw.tif": 1, "lzw.tif": 1, "g4.tif": 1, "jpeg-in.tif": 1, "multi.tiff": 2,
            "scan.jpg": 1, "colour.png": 1, "scan.bmp": 1, "jpeg.pdf": 1, "g4.pdf": 1}


def test_every_format_is_read_and_recognized(small_scan: Image.Image, small_scan_skew: float,
                                             tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    expected = _write_formats(small_scan, inputs)
    found = discover([inputs], grouping="file")
    assert not found.failures, [f.message for f in found.failures]
    assert {d.name: len(d.pages) for d in found.documents} == expected
    results = list(recognize_documents(found.documents, ScanOptions(), jobs=2,
                                       workdir=tmp_path / "work"))
    assert len(results) == len(expected)
    for doc in results:
        assert not isinstance(doc, DocumentFailure), doc.message
        for page in doc.pages:
            assert page.dpi == pytest.approx((300, 300), abs=0.5), doc.source.name
            for text in EXPECTED:
                assert text in page.text, (doc.source.name, page.text[:200])
            assert abs(page.quality.skew_degrees - small_scan_skew) < 0.3, doc.source.name
            assert page.image.path.is_file()
            assert page.quality.problems == (), (doc.source.name, page.quality)
    bilevel_page = next(d for d in results if d.source.name == "g4.tif").pages[0]
    assert bilevel_page.image.bits_per_component == 1  # stays bilevel, lossless
    colour_page = next(d for d in results if d.source.name == "colour.png").pages[0]
    assert colour_page.image.colorspace == "/DeviceRGB"


def test_formats_that_record_no_resolution_are_read_at_the_default(small_scan: Image.Image,
                                                                   tmp_path: Path) -> None:
    """GIF, WebP, JPEG 2000 and the PNM family (what SANE's scanimage writes): Pillow
    reads no resolution from them, so the default is used, and the page says so."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    gray = small_scan.convert("L")
    gray.save(inputs / "scan.gif")
    Image.merge("RGB", (gray, gray, gray)).save(inputs / "phone.webp", quality=90)
    gray.save(inputs / "master.jp2")
    gray.save(inputs / "sane.pgm")
    gray.point(lambda v: 255 if v >= 140 else 0).convert("1").save(inputs / "sane.pbm")
    found = discover([inputs], grouping="file")
    assert not found.failures, [f.message for f in found.failures]
    results = list(recognize_documents(found.documents, ScanOptions(default_dpi=300), jobs=2,
                                       workdir=tmp_path / "work"))
    assert sorted(d.source.name for d in results) == [
        "master.jp2", "phone.webp", "sane.pbm", "sane.pgm", "scan.gif"]
    for doc in results:
        assert not isinstance(doc, DocumentFailure), doc.message
        [page] = doc.pages
        assert page.dpi == (300, 300) and "dpi_assumed" in page.quality.problems
        for text in EXPECTED:
            assert text in page.text, (doc.source.name, page.text[:200])


@pytest.mark.parametrize(("fmt", "suffix"), [
    ("TIFF", ".tif"), ("JPEG", ".jpg"), ("PNG", ".png"), ("BMP", ".bmp"), ("GIF", ".gif"),
    ("WEBP", ".webp"), ("JPEG2000", ".jp2"), ("PPM", ".pnm"), ("PDF", ".pdf")])
def test_a_scan_is_known_by_its_first_bytes(fmt: str, suffix: str, tmp_path: Path) -> None:
    """What ``trams ocr -`` reads on standard input, and how a damaged scan is told from
    a foreign file."""
    path = tmp_path / "page"
    Image.new("L", (64, 64), 200).save(path, fmt)
    assert suffix_of(path.read_bytes()[:HEAD_BYTES]) == suffix
    assert suffix in SCAN_SUFFIXES


def test_other_first_bytes_are_no_scan() -> None:
    assert suffix_of(b"Plain text, not a PNM") is None
    assert suffix_of(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None  # a sound, not WebP
    assert suffix_of(b"PK\x03\x04") is None


def test_photos_and_office_files_in_the_inbox_are_named_not_passed_over(
        small_scan: Image.Image, tmp_path: Path) -> None:
    """A clerk's HEIC photo, Word file or ZIP of scans among the scans fails with what to
    do; notes and ground truth (.txt, .json) beside the scans are still left alone."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    small_scan.save(inputs / "scan.png", dpi=(300, 300))
    (inputs / "IMG_0001.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic")
    (inputs / "to-trinh.docx").write_bytes(b"PK\x03\x04")
    (inputs / "ho-so.zip").write_bytes(b"PK\x03\x04")
    (inputs / "scan.txt").write_text("ground truth")
    found = discover([inputs], grouping="file")
    assert [d.name for d in found.documents] == ["scan.png"]
    refused = {f.path.name: f.error for f in found.failures}
    assert sorted(refused) == ["IMG_0001.HEIC", "ho-so.zip", "to-trinh.docx"]
    assert {e.code for e in refused.values()} == {"not_a_scan"}
    assert "HEIC" in refused["IMG_0001.HEIC"].message
    assert "JPEG" in refused["IMG_0001.HEIC"].hint
    assert "PDF" in refused["to-trinh.docx"].hint
    assert "ZIP" in refused["ho-so.zip"].message and "Extract" in refused["ho-so.zip"].hint


def test_missing_resolution_uses_the_default_or_fails(small_scan: Image.Image,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "nodpi.png"
    small_scan.save(path)  # no pHYs chunk
    docs = discover([path]).documents
    options = ScanOptions(engine="null")
    [failure] = recognize_documents(docs, options, jobs=1, workdir=tmp_path / "w1")
    assert isinstance(failure, DocumentFailure)
    assert isinstance(failure.error, InputError)
    assert "nodpi.png" in failure.message and "--default-dpi" in failure.message
    [doc] = recognize_documents(docs, ScanOptions(engine="null", default_dpi=300), jobs=1,
                                workdir=tmp_path / "w2")
    assert doc.pages[0].dpi == (300, 300)
    assert "dpi_assumed" in doc.pages[0].quality.problems
    assert doc.verdict == "ok"  # recorded, but no reason to review on its own


def test_low_resolution_is_refused_unless_accepted(small_scan: Image.Image,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "low.png"
    small_scan.resize((small_scan.width // 2, small_scan.height // 2)).save(path, dpi=(150, 150))
    docs = discover([path]).documents
    [failure] = recognize_documents(docs, ScanOptions(), jobs=1, workdir=tmp_path / "w1")
    assert isinstance(failure, DocumentFailure)
    assert "150 dpi" in failure.message and "low.png" in failure.message
    assert "--accept-low-dpi" in failure.message
    [doc] = recognize_documents(docs, ScanOptions(accept_low_dpi=True), jobs=1,
                                workdir=tmp_path / "w2")
    assert not isinstance(doc, DocumentFailure)
    assert "low_dpi" in doc.pages[0].quality.problems
    assert doc.verdict in ("review", "failed")
    assert "QUYẾT ĐỊNH" in doc.text  # still recognized, for a clerk to judge


def test_pdf_page_rotation_and_native_resolution(small_scan: Image.Image,
                                                 tmp_path: Path) -> None:
    import pikepdf
    from trams.scanning.pdf_input import load_pdf_page

    gray = small_scan.convert("L")
    gray.save(tmp_path / "plain.pdf", resolution=250)
    with pikepdf.open(tmp_path / "plain.pdf") as pdf:
        pdf.pages[0].obj.Rotate = 90
        pdf.save(tmp_path / "turned.pdf")
    image, dpi = load_pdf_page(tmp_path / "plain.pdf", 0)
    assert image.size == gray.size and dpi == pytest.approx((250, 250))  # not re-rendered
    turned, dpi = load_pdf_page(tmp_path / "turned.pdf", 0)
    assert turned.size == (gray.height, gray.width)  # shown as the PDF viewer shows it
    assert dpi == pytest.approx((250, 250))
