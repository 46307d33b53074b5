"""What real scanners and PDF tools write: JBIG2 pages, resolutions in other units, fax
modes, absurd resolutions, huge sheets, CMYK, owner passwords, odd PDF page structures.
Every file here is made by the test; what a file must give is stated beside it."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops
from support.jbig2 import jbig2_pdf
from trams.cli.main import run
from trams.scanning import DocumentFailure, ScanOptions, discover, recognize_documents
from trams.scanning.ingest import inspect_file, load_page
from trams.scanning.pdf_input import load_pdf_page, pdf_pages

from trams.errors import InputError
from trams.models import SourcePage


def _png(path: Path, size: tuple[int, int], *, ppm: tuple[int, int] | None,
         rows: int = 50) -> Path:
    """A 1-bit PNG of ``size`` whose first ``rows`` rows are stored (a tiny file that
    claims many pixels), with a pHYs chunk of ``ppm`` pixels per metre."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    width, height = size
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
    if ppm:
        body += chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1))
    body += chunk(b"IDAT", zlib.compress(row * min(rows, height), 9)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def _error(path: Path, **options) -> InputError:
    found = discover([path], grouping="file")
    if found.failures:
        return found.failures[0].error
    [result] = recognize_documents(found.documents, ScanOptions(engine="null", **options),
                                   jobs=1, workdir=path.parent / "work")
    assert isinstance(result, DocumentFailure), f"{path.name} was accepted"
    return result.error


def test_a_png_at_7874_pixels_per_metre_is_200_dpi(small_scan, tmp_path) -> None:
    path = tmp_path / "200.png"
    small_scan.save(path, dpi=(200, 200))
    assert Image.open(path).info["dpi"][0] < 200  # 7874 ppm: 199.9995 dpi
    [doc] = recognize_documents(discover([path]).documents, ScanOptions(engine="null"),
                                jobs=1, workdir=tmp_path / "w")
    assert not isinstance(doc, DocumentFailure), doc.message
    assert "low_dpi" not in doc.pages[0].quality.problems


@pytest.mark.parametrize(("name", "dpi", "words"), [
    ("million.png", (1_000_000, 1_000_000), ("1000000 dpi", "outside the 50-2400")),
    ("thin.png", (300, 20_000), ("300 x 20000", "outside")),
    ("ten.png", (10, 10), ("10 dpi", "outside")),
    ("stretched.png", (300, 100), ("300 x 100", "differ more than 2 times")),
])
def test_absurd_resolutions_are_refused_per_page(small_scan, tmp_path, name, dpi,
                                                 words) -> None:
    path = tmp_path / name
    small_scan.save(path, dpi=dpi)
    error = _error(path, accept_low_dpi=True)
    line = error.one_line()
    assert name in line and "page 1" in line and error.hint, line
    for word in words:
        assert word in line, line


def test_zero_resolution_tiff_is_refused_not_a_crash(small_scan, tmp_path) -> None:
    path = tmp_path / "zero.tif"
    small_scan.save(path, dpi=(300, 300))
    data = bytearray(path.read_bytes())
    pattern = struct.pack("<II", 300, 1)  # the X/YResolution rationals, made 0/0
    assert data.count(pattern) >= 1
    data = data.replace(pattern, struct.pack("<II", 0, 0))
    path.write_bytes(bytes(data))
    error = _error(path)
    assert "impossible resolution" in error.one_line(), error.one_line()


def test_a_fax_mode_page_is_not_taken_for_a_stretched_one(small_scan, tmp_path) -> None:
    fax = small_scan.convert("1").resize((1728, 1143 // 2))
    path = tmp_path / "fax.tif"
    fax.save(path, dpi=(204, 98), compression="group4")
    [doc] = recognize_documents(discover([path]).documents,
                                ScanOptions(engine="null", accept_low_dpi=True), jobs=1,
                                workdir=tmp_path / "w")
    assert not isinstance(doc, DocumentFailure), doc.message
    assert doc.pages[0].dpi == pytest.approx((204, 98), abs=0.5)


def test_bomb_limit_follows_the_sheet_size(tmp_path) -> None:
    """A0 at 600 dpi is a real sheet (558 Mpx); 50000 x 50000 pixels claiming 72 dpi is a
    17.6 m square; the same pixels claiming 2400 dpi are too many pixels for a scan."""
    a0 = _png(tmp_path / "a0.png", (19866, 28087), ppm=(23622, 23622), rows=28087)
    assert inspect_file(a0).pages == 1  # Pillow's own limit (89 Mpx) did not fire
    page = load_page(SourcePage(a0), default_dpi=None)
    assert page.image.size == (19866, 28087) and page.dpi[0] == pytest.approx(600, abs=0.1)
    del page
    huge = _png(tmp_path / "huge-72.png", (50_000, 50_000), ppm=(2835, 2835))
    line = _error(huge).one_line()
    assert "huge-72.png" in line and "larger than any paper" in line, line
    dense = _png(tmp_path / "huge-2400.png", (50_000, 50_000), ppm=(94488, 94488))
    line = _error(dense).one_line()
    assert "too large" in line, line


def test_cmyk_image_without_a_profile_is_refused(small_scan, tmp_path) -> None:
    path = tmp_path / "cmyk.jpg"
    small_scan.convert("CMYK").save(path, dpi=(300, 300))
    line = _error(path).one_line()
    assert "CMYK" in line and "ICC" in line, line


def test_jbig2_page_is_read_exactly_and_recognized(small_scan, tmp_path) -> None:
    bitmap = small_scan.point(lambda v: 255 if v > 140 else 0).convert("1")
    pdf = jbig2_pdf(tmp_path / "jbig2.pdf", bitmap)
    image, dpi = load_pdf_page(pdf, 0)
    assert dpi == (300.0, 300.0)
    assert ImageChops.difference(image.convert("L"), bitmap.convert("L")).getbbox() is None
    [doc] = recognize_documents(discover([pdf]).documents, ScanOptions(), jobs=1,
                                workdir=tmp_path / "w")
    assert "QUYẾT ĐỊNH" in doc.text, doc


def test_missing_jbig2dec_is_a_dependency_error_exit_6(small_scan, tmp_path, capsys,
                                                       monkeypatch) -> None:
    bitmap = small_scan.point(lambda v: 255 if v > 140 else 0).convert("1")
    pdf = jbig2_pdf(tmp_path / "jbig2.pdf", bitmap)
    bin_dir = tmp_path / "bin"  # a PATH with tesseract but no jbig2dec
    bin_dir.mkdir()
    os.symlink("/usr/bin/tesseract", bin_dir / "tesseract")
    monkeypatch.setenv("PATH", str(bin_dir))
    code = run(["ocr", str(pdf), "-o", str(tmp_path / "out"), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 6, err
    assert "jbig2dec" in err and "apt install jbig2dec" in err, err
    assert "Traceback" not in err and "report it" not in err


def _image_pdf(path: Path, image: Image.Image, *, dpi: int = 300,
               colorspace: object = None, data: bytes | None = None,
               cm: bytes | None = None, extra: list[Image.Image] = (), **save) -> Path:
    pdf = pikepdf.new()
    w_pt, h_pt = image.width * 72 / dpi, image.height * 72 / dpi
    page = pdf.add_blank_page(page_size=(w_pt, h_pt))
    xobjects = {}
    ops = b""
    for i, img in enumerate([image, *extra]):
        stream = pikepdf.Stream(pdf, data if (data is not None and i == 0)
                                else zlib.compress(img.tobytes()))
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height = img.size
        stream.BitsPerComponent = 8
        stream.ColorSpace = colorspace if (colorspace is not None and i == 0) else (
            pikepdf.Name.DeviceRGB if img.mode == "RGB" else pikepdf.Name.DeviceGray)
        if data is None or i > 0:
            stream.Filter = pikepdf.Name.FlateDecode
        xobjects[f"/Im{i}"] = stream
        matrix = cm if (cm is not None and i == 0) else \
            f"{w_pt:.2f} 0 0 {h_pt:.2f} 0 0".encode()
        ops += b"q " + matrix + f" cm /Im{i} Do Q\n".encode()
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(xobjects))
    page.obj.Contents = pdf.make_stream(ops)
    pdf.save(path, **save)
    return path


def test_separation_ink_image_is_read_as_ink_on_paper(small_scan, tmp_path) -> None:
    """A page in /Separation /Black: a tint of 1 is full ink (black), 0 is paper."""
    gray = small_scan.convert("L")
    tint = ImageChops.invert(gray)  # ink amounts
    cs = pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.Black, pikepdf.Name.DeviceGray,
                        pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[1], C1=[0], N=1)])
    pdf = _image_pdf(tmp_path / "sep.pdf", tint, colorspace=cs)
    image, _dpi = load_pdf_page(pdf, 0)
    diff = ImageChops.difference(image.convert("L"), gray)
    assert max(diff.getextrema()) <= 1


def test_image_drawn_turned_by_the_page_is_read_upright(small_scan, tmp_path) -> None:
    gray = small_scan.convert("L")
    stored = gray.transpose(Image.Transpose.ROTATE_90)  # stored sideways ...
    w_pt, h_pt = gray.width * 72 / 300, gray.height * 72 / 300
    # ... and drawn turned back: its x axis points down the page, its rows to the right
    cm = f"0 {-h_pt:.4f} {w_pt:.4f} 0 0 {h_pt:.4f}".encode()
    pdf = _image_pdf(tmp_path / "turned.pdf", stored, cm=cm)
    with pikepdf.open(pdf) as doc:
        doc.pages[0].MediaBox = [0, 0, w_pt, h_pt]
        doc.save(tmp_path / "turned2.pdf")
    image, dpi = load_pdf_page(tmp_path / "turned2.pdf", 0)
    assert image.size == gray.size and dpi == pytest.approx((300, 300), abs=0.1)
    assert ImageChops.difference(image, gray).getbbox() is None


def test_page_of_two_images_is_rendered_whole(small_scan, tmp_path) -> None:
    """A scan stored as two strips: the page is both (rendered), not the larger strip."""
    gray = small_scan.convert("L")
    top = gray.crop((0, 0, gray.width, gray.height // 2))
    bottom = gray.crop((0, gray.height // 2, gray.width, gray.height))
    w_pt, h_pt = gray.width * 72 / 300, gray.height * 72 / 300
    half = h_pt / 2
    pdf = _image_pdf(tmp_path / "strips.pdf", top, extra=[bottom],
                     cm=f"{w_pt:.3f} 0 0 {half:.3f} 0 {half:.3f}".encode())
    with pikepdf.open(pdf) as doc:
        doc.pages[0].MediaBox = [0, 0, w_pt, h_pt]
        doc.pages[0].Contents = doc.make_stream(
            f"q {w_pt:.3f} 0 0 {half:.3f} 0 {half:.3f} cm /Im0 Do Q "
            f"q {w_pt:.3f} 0 0 {half:.3f} 0 0 cm /Im1 Do Q".encode())
        doc.save(tmp_path / "strips2.pdf")
    image, dpi = load_pdf_page(tmp_path / "strips2.pdf", 0)
    assert dpi == pytest.approx((300, 300), abs=0.5)
    assert abs(image.height - gray.height) <= 2
    # both halves are there: the bottom strip's text too
    assert ImageChops.difference(image.convert("L").crop((0, 0, 600, 200)),
                                 gray.crop((0, 0, 600, 200))).getextrema()[1] < 80


def _stencil_pdf(path: Path, bilevel: Image.Image, *, shown: float, dpi: int = 300,
                 vector: bool = False) -> Path:
    """Black painted through ``bilevel`` as a stencil mask (/ImageMask: a 0 bit paints),
    shown over the share ``shown`` of an A4-sized page of ``dpi``; ``vector``: a line too."""
    pdf = pikepdf.new()
    w_pt, h_pt = bilevel.width * 72 / dpi, bilevel.height * 72 / dpi
    page = pdf.add_blank_page(page_size=(w_pt, h_pt))
    mask = pikepdf.Stream(pdf, zlib.compress(bilevel.tobytes()), Type=pikepdf.Name.XObject,
                          Subtype=pikepdf.Name.Image, Width=bilevel.width,
                          Height=bilevel.height, ImageMask=True, BitsPerComponent=1,
                          Filter=pikepdf.Name.FlateDecode)
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=mask))
    k = shown ** 0.5
    ops = f"q 0 g {w_pt * k:.2f} 0 0 {h_pt * k:.2f} 0 0 cm /Im0 Do Q\n"
    page.obj.Contents = pdf.make_stream(
        (ops + ("0 G 10 10 m 100 100 l S\n" if vector else "")).encode())
    pdf.save(path)
    return path


def test_a_page_scanned_as_a_stencil_mask_is_read_bilevel(small_scan, tmp_path) -> None:
    """Some scanners write a black-and-white page as black painted through a 1-bit mask.
    Such a page is a scan: read at the mask's resolution, kept bilevel, recognized. A small
    mask (a logo beside text drawn as curves) is no scan: that page is still refused."""
    bilevel = small_scan.convert("L").point(lambda v: 255 if v >= 140 else 0).convert("1")
    page = _stencil_pdf(tmp_path / "stencil.pdf", bilevel, shown=1.0)
    assert [p.kind for p in pdf_pages(page)] == ["image"]
    image, dpi = load_pdf_page(page, 0)
    assert dpi == pytest.approx((300, 300), abs=0.5) and image.mode == "1"
    assert abs(image.width - bilevel.width) <= 1 and abs(image.height - bilevel.height) <= 1
    same = bilevel.crop((0, 0, image.width, image.height))
    differs = ImageChops.difference(image.convert("L"), same.convert("L")).histogram()[255]
    assert differs < 0.002 * image.width * image.height  # pixel for pixel, edges aside
    [doc] = recognize_documents(discover([page]).documents, ScanOptions(), jobs=1,
                                workdir=tmp_path / "w")
    assert not isinstance(doc, DocumentFailure), doc.message
    assert doc.pages[0].image.bits_per_component == 1
    assert "QUYẾT ĐỊNH" in doc.pages[0].text
    logo = _stencil_pdf(tmp_path / "logo.pdf", bilevel, shown=0.1, vector=True)
    assert [p.kind for p in pdf_pages(logo)] == ["vector"]
    assert _error(logo).code == "no_scanned_image"


def _in_user_units(path: Path, unit: int) -> Path:
    """The same page described with /UserUnit ``unit``: every size divided by it."""
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        box = [float(v) / unit for v in page.MediaBox]
        page.MediaBox = box
        page.obj.UserUnit = unit
        name = next(iter(page.Resources.XObject.keys()))
        page.Contents = pdf.make_stream(f"q {box[2]:.4f} 0 0 {box[3]:.4f} 0 0 cm {name} Do Q"
                                        .encode())
        out = path.with_name(f"{path.stem}-unit{unit}.pdf")
        pdf.save(out)
    return out


def test_a_page_in_user_units_keeps_its_size_and_resolution(small_scan, tmp_path) -> None:
    """A page with /UserUnit (PDF 1.6) counts unit/72 inch per unit: the scan's resolution
    is that of the physical page (read wrong, the archived page shrank to a quarter), for
    an image read as it is and for a page rendered by poppler (which ignores the unit)."""
    gray = small_scan.convert("L")
    image_page = _in_user_units(_image_pdf(tmp_path / "image.pdf", gray), 2)
    bilevel = gray.point(lambda v: 255 if v >= 140 else 0).convert("1")
    stencil_page = _in_user_units(_stencil_pdf(tmp_path / "stencil.pdf", bilevel, shown=1.0),
                                  2)
    for pdf in (image_page, stencil_page):
        [page] = pdf_pages(pdf)
        assert page.dpi == pytest.approx((300, 300), abs=0.5), pdf.name
        image, dpi = load_pdf_page(pdf, 0)
        assert dpi == pytest.approx((300, 300), abs=0.5), pdf.name
        assert abs(image.width - gray.width) <= 2 and abs(image.height - gray.height) <= 2


def test_a_scan_with_an_attached_file_is_refused_not_stripped(small_scan, tmp_path) -> None:
    """A scan's pages are rebuilt from their images: a file attached to the PDF (here by an
    annotation on the page) would be left behind without a word."""
    plain = _image_pdf(tmp_path / "plain.pdf", small_scan.convert("L"))
    with pikepdf.open(plain) as pdf:
        spec = pikepdf.AttachedFileSpec(pdf, b"ghi chu", filename="ghi-chu.txt")
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment,
                               Rect=[10, 10, 30, 30], FS=spec.obj))]))
        pdf.save(tmp_path / "annotated.pdf")
    error = _error(tmp_path / "annotated.pdf")
    assert error.code == "pdf_has_attachments" and "ghi-chu.txt" in error.message


def test_owner_password_opens_user_password_is_refused(small_scan, tmp_path) -> None:
    plain = _image_pdf(tmp_path / "plain.pdf", small_scan.convert("L"))
    with pikepdf.open(plain) as pdf:
        pdf.save(tmp_path / "owner.pdf",
                 encryption=pikepdf.Encryption(user="", owner="owner-secret"))
        pdf.save(tmp_path / "user.pdf",
                 encryption=pikepdf.Encryption(user="secret", owner="owner-secret"))
    assert [p.kind for p in pdf_pages(tmp_path / "owner.pdf")] == ["image"]
    [doc] = recognize_documents(discover([tmp_path / "owner.pdf"]).documents,
                                ScanOptions(engine="null"), jobs=1, workdir=tmp_path / "w")
    assert not isinstance(doc, DocumentFailure), doc.message
    line = _error(tmp_path / "user.pdf").one_line()
    assert "password" in line and "qpdf --decrypt" in line, line


def test_malformed_pdf_operands_fail_the_file_with_a_reason(small_scan, tmp_path) -> None:
    gray = small_scan.convert("L")
    bad_cm = _image_pdf(tmp_path / "bad-cm.pdf", gray, cm=b"595 0 0 (x) 0 0")
    bad_width = _image_pdf(tmp_path / "bad-width.pdf", gray)
    with pikepdf.open(bad_width, allow_overwriting_input=True) as pdf:
        pdf.pages[0].Resources.XObject.Im0.Width = pikepdf.Name("/Foo")
        pdf.save()
    found = discover([bad_cm, bad_width])
    assert not found.documents
    reasons = {f.path.name: f.error.one_line() for f in found.failures}
    assert "cm is not a number" in reasons["bad-cm.pdf"], reasons
    assert "/Width is not a number" in reasons["bad-width.pdf"], reasons


def test_pdf_without_pages_is_a_file_failure(tmp_path) -> None:
    pikepdf.new().save(tmp_path / "empty.pdf")
    [failure] = discover([tmp_path / "empty.pdf"]).failures
    assert "no pages" in failure.error.one_line()


def test_negative_page_is_recognized(small_scan, tmp_path) -> None:
    """White text on black (as the corpus's JBIG2 page in /DeviceN shows): archived as
    shown, read as text."""
    negative = ImageChops.invert(small_scan.convert("L"))
    path = tmp_path / "negative.png"
    negative.save(path, dpi=(300, 300))
    [doc] = recognize_documents(discover([path]).documents, ScanOptions(), jobs=1,
                                workdir=tmp_path / "w")
    assert not isinstance(doc, DocumentFailure), doc.message
    assert "QUYẾT ĐỊNH" in doc.text and "ỦY BAN NHÂN DÂN" in doc.text, doc.text
