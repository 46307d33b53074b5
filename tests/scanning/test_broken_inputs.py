"""Hostile or broken inputs: each gets its own one-line error; the others go on."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pikepdf
from PIL import Image
from trams.scanning import DocumentFailure, ScanOptions, discover, recognize_documents

from trams.errors import InputError


def _png_bomb(path: Path, size: int = 60_000) -> None:
    """A tiny PNG claiming 60000 x 60000 pixels (3.6 Gpx once decompressed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\x00" + b"\xff" * (size // 8)
    idat = zlib.compress(row * 50, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size,
                                                                       1, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _text_pdf(path: Path) -> None:
    """Born-digital text in Helvetica, not embedded: it cannot be made PDF/A as it is."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page = pdf.add_blank_page(page_size=(595, 842))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Quyet dinh) Tj ET")
    pdf.save(path)


def _broken_batch(folder: Path, good: Image.Image) -> dict[str, str]:
    """file name -> a word its error message must contain"""
    (folder / "empty.tif").write_bytes(b"")
    good.save(folder / "whole.tif", dpi=(300, 300), compression="tiff_lzw")
    data = (folder / "whole.tif").read_bytes()
    (folder / "truncated.tif").write_bytes(data[: len(data) // 3])
    (folder / "whole.tif").unlink()
    _png_bomb(folder / "bomb.png")
    good.save(folder / "plain.pdf", resolution=300)
    with pikepdf.open(folder / "plain.pdf") as pdf:
        pdf.save(folder / "encrypted.pdf",
                 encryption=pikepdf.Encryption(user="secret", owner="owner"))
    (folder / "plain.pdf").unlink()
    _text_pdf(folder / "has-text.pdf")
    good.save(folder / "signed-scan.pdf", resolution=300)
    _add_signature_fields(folder / "signed-scan.pdf", signed=True)
    (folder / "not-an-image.jpg").write_text("this is not a scan\n")
    return {"empty.tif": "empty", "truncated.tif": "damaged", "bomb.png": "too large",
            "encrypted.pdf": "encrypted", "has-text.pdf": "not embedded",
            "signed-scan.pdf": "1 digital signature", "not-an-image.jpg": "not an image"}


def _add_signature_fields(path: Path, *, signed: bool, loop: bool = False) -> None:
    """A signature field in two levels, its type on the parent (inherited by the kid, as
    forms may write it), the signature value on the kid when ``signed``; an empty field
    beside it. ``loop``: the kid lists its parent as its own kid."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        kid = pdf.make_indirect(pikepdf.Dictionary(T="kid"))
        if signed:
            kid.V = pdf.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Sig, Filter=pikepdf.Name("/Adobe.PPKLite"),
                ByteRange=pikepdf.Array([0, 10, 20, 10]), Contents=pikepdf.String(b"\0" * 8)))
        parent = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Sig, T="leader",
                                                      Kids=pikepdf.Array([kid])))
        kid.Parent = parent
        if loop:
            kid.Kids = pikepdf.Array([parent])
        empty = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Sig, T="agency"))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([parent, empty]),
                                               SigFlags=3)
        pdf.save(path)


def test_signature_fields_are_counted_when_they_hold_a_signature(small_scan: Image.Image,
                                                                tmp_path: Path) -> None:
    from trams.scanning.pdf_input import signed_field_count

    counts = {}
    for name, signed, loop in (("unsigned", False, False), ("signed", True, False),
                               ("loop", True, True)):
        path = tmp_path / f"{name}.pdf"
        small_scan.save(path, resolution=300)
        _add_signature_fields(path, signed=signed, loop=loop)
        with pikepdf.open(path) as pdf:
            counts[name] = signed_field_count(pdf)
    assert counts == {"unsigned": 0, "signed": 1, "loop": 1}


def test_each_broken_input_gets_its_error_and_the_batch_goes_on(small_scan: Image.Image,
                                                                tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    expected = _broken_batch(inputs, small_scan)
    small_scan.save(inputs / "good-1.png", dpi=(300, 300))
    small_scan.save(inputs / "good-2.jpg", dpi=(300, 300))
    found = discover([inputs], grouping="file")
    results = list(recognize_documents(found.documents, ScanOptions(), jobs=2,
                                       workdir=tmp_path / "work"))
    errors = {f.path.name: f.error for f in found.failures}
    errors.update({r.source.name: r.error for r in results if isinstance(r, DocumentFailure)})
    assert set(errors) == set(expected), errors
    for name, word in expected.items():
        error = errors[name]
        assert isinstance(error, InputError), (name, error)
        line = error.one_line()
        assert "\n" not in line
        assert name in line, line
        assert word in line.lower(), line
        assert error.hint, name  # says what to do next
    done = [r for r in results if not isinstance(r, DocumentFailure)]
    assert sorted(d.source.name for d in done) == ["good-1.png", "good-2.jpg"]
    assert all("QUYẾT ĐỊNH" in d.text for d in done)


def test_truncated_multipage_tiff_fails_only_its_document(small_scan: Image.Image,
                                                          tmp_path: Path) -> None:
    gray = small_scan.convert("L")
    gray.save(tmp_path / "two.tif", dpi=(300, 300), save_all=True, append_images=[gray],
              compression="raw")
    data = (tmp_path / "two.tif").read_bytes()
    (tmp_path / "two.tif").write_bytes(data[: int(len(data) * 0.75)])
    gray.save(tmp_path / "ok.tif", dpi=(300, 300))
    found = discover([tmp_path / "two.tif", tmp_path / "ok.tif"])
    results = list(recognize_documents(found.documents, ScanOptions(engine="null"), jobs=2,
                                       workdir=tmp_path / "work"))
    failed = [f.path.name for f in found.failures] + [
        r.source.name for r in results if isinstance(r, DocumentFailure)]
    assert failed == ["two.tif"]
    assert [r.source.name for r in results if not isinstance(r, DocumentFailure)] == ["ok.tif"]


def test_a_truncated_image_is_closed_when_refused(small_scan: Image.Image,
                                                  tmp_path: Path) -> None:
    """Pillow keeps a GIF's file open after decoding it: read, or refused as damaged, the
    file is closed all the same (an open file per scan piled up in the worker and warned
    on the run's stderr)."""
    import gc
    import io
    import warnings

    from trams.scanning.ingest import load_page

    from trams.models import SourcePage

    data = io.BytesIO()
    small_scan.convert("L").save(data, "GIF")
    whole, path = tmp_path / "whole.gif", tmp_path / "truncated.gif"
    whole.write_bytes(data.getvalue())
    path.write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    code = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            load_page(SourcePage(path=path, index=0), default_dpi=300)
        except InputError as exc:  # (not pytest.raises: it would keep the image alive)
            code = exc.code
        page = load_page(SourcePage(path=whole, index=0), default_dpi=300)
        assert page.image.size == small_scan.size
        del page
        gc.collect()
    assert code == "input_unreadable"
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
