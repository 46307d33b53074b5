"""Cover sheets: printed as PDF, scanned at 200 dpi gray and skewed, split into documents."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from trams.cli.main import run
from trams.scanning import (
    CoverSheet,
    DocumentFailure,
    ScanOptions,
    discover,
    find_coversheet,
    recognize_documents,
    write_coversheets,
)

from trams.metadata import DocumentMetadata, RecordMetadata

SHEETS = [
    CoverSheet(RecordMetadata(fileCode="000.00.00.H42-2024-HS0012"),
               DocumentMetadata(sequence=1, typeName="01", codeNumber="125",
                                codeNotation="QĐ-UBND", issuedDate="05/03/2024",
                                subject="Về việc giao đất ở cho hộ gia đình, cá nhân tại "
                                        "xã Trà Đốc")),
    CoverSheet(RecordMetadata(fileCode="000.00.00.H42-2024-HS0012"),
               DocumentMetadata(sequence=2, typeName="05", codeNumber="37",
                                codeNotation="TTr-PTNMT", issuedDate="01/03/2024",
                                subject="Tờ trình đề nghị giao đất ở")),
    CoverSheet(RecordMetadata(fileCode="000.00.00.H42-2024-HS0013"),
               DocumentMetadata(sequence=1, typeName="02", codeNumber="9",
                                codeNotation="CV-UBND", issuedDate="2024-04-18",
                                subject="Công văn về việc hỗ trợ kinh phí khắc phục "
                                        "thiệt hại do mưa lũ, đồng bào Ca Dong, Xơ Đăng")),
]


def _scan_like(image: Image.Image, angle: float, seed: int) -> Image.Image:
    """What a 200 dpi office scanner makes of a printed page: gray, skewed, noisy."""
    gray = image.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=235)
    arr = np.asarray(gray, dtype=np.float32) * 0.85 + 20
    arr += np.random.default_rng(seed).normal(0, 12, arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def scanned_sheets(tmp_path_factory: pytest.TempPathFactory) -> list[Image.Image]:
    folder = tmp_path_factory.mktemp("sheets")
    pdf = write_coversheets(SHEETS, folder / "sheets.pdf")
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(pdf), str(folder / "p")],
                   check=True, timeout=120)
    pages = sorted(folder.glob("p-*.png"))
    assert len(pages) == 3
    return [_scan_like(Image.open(p), angle, i)
            for i, (p, angle) in enumerate(zip(pages, (1.3, -1.8, 0.7), strict=True))]


def test_payload_round_trip_keeps_vietnamese() -> None:
    from trams.scanning.coversheet import parse_payload

    for sheet in SHEETS:
        assert parse_payload(sheet.payload()) == sheet
    assert parse_payload('{"something": "else"}') is None
    assert parse_payload("not json") is None


def test_cover_sheet_survives_a_skewed_200_dpi_gray_scan(scanned_sheets) -> None:
    for sheet, image in zip(SHEETS, scanned_sheets, strict=True):
        assert image.mode == "L" and image.width == 1654  # A4 at 200 dpi
        assert find_coversheet(image) == sheet


def test_batch_of_three_documents_splits_into_three(scanned_sheets, small_scan,
                                                    tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    page = small_scan.convert("L")
    files = [
        ("scan1.png", scanned_sheets[0]), ("scan2.png", page),
        ("scan3.png", scanned_sheets[1]), ("scan9.png", page), ("scan10.png", page),
    ]
    for name, image in files:
        image.save(batch / name, dpi=(200, 200) if image.width == 1654 else (300, 300))
    # The last sheet and its page arrive in one multi-page TIFF.
    scanned_sheets[2].save(batch / "scan11.tif", dpi=(200, 200), save_all=True,
                           append_images=[page.copy()],  # a copy: no PNG encoder state left on it
                           compression="tiff_lzw")
    found = discover([batch], grouping="coversheet")
    assert not found.failures, [f.message for f in found.failures]
    docs = found.documents
    assert len(docs) == 3
    assert [d.document for d in docs] == [s.document for s in SHEETS]
    assert [d.record for d in docs] == [s.record for s in SHEETS]
    assert [[(p.path.name, p.index) for p in d.pages] for d in docs] == [
        [("scan2.png", 0)], [("scan9.png", 0), ("scan10.png", 0)], [("scan11.tif", 1)]]
    assert [[p.path.name for p in d.dropped_pages] for d in docs] == [
        ["scan1.png"], ["scan3.png"], ["scan11.tif"]]
    assert docs[0].name == "000.00.00.H42-2024-HS0012.0000001"
    assert docs[2].document.issuedDate == date(2024, 4, 18)
    results = list(recognize_documents(docs, ScanOptions(engine="null"), jobs=2,
                                       workdir=tmp_path / "work"))
    assert [len(r.pages) for r in results if not isinstance(r, DocumentFailure)] == [1, 2, 1]
    assert results[1].source.document.codeNotation == "TTr-PTNMT"


def test_pages_before_the_first_sheet_are_reported(scanned_sheets, small_scan,
                                                   tmp_path: Path) -> None:
    small_scan.save(tmp_path / "a1.png", dpi=(300, 300))
    scanned_sheets[0].save(tmp_path / "a2.png", dpi=(200, 200))
    small_scan.save(tmp_path / "a3.png", dpi=(300, 300))
    found = discover([tmp_path], grouping="coversheet")
    assert len(found.documents) == 1
    [failure] = found.failures
    assert failure.path.name == "a1.png"
    assert "before the first cover sheet" in failure.message


def test_coversheet_command_writes_a_decodable_sheet(tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    code = run(["--lang", "vi", "coversheet", "-o", str(out), "--record", "H42-2024-HS0099",
                "--sequence", "3", "--type", "01", "--number", "77",
                "--notation", "QĐ-UBND", "--date", "18/04/2024",
                "--subject", "Về việc phê duyệt dự toán sửa chữa đường giao thông nông thôn"])
    assert code == 0
    found = discover([out], grouping="coversheet")
    # the sheet alone: recognized as a sheet, followed by no page
    assert not found.documents
    assert "followed by no page" in found.failures[0].message or found.failures
    sheet = find_coversheet(_first_page(out))
    assert sheet is not None
    assert sheet.record.fileCode == "H42-2024-HS0099"
    assert sheet.document.sequence == 3 and sheet.document.codeNumber == "77"
    assert sheet.document.subject.startswith("Về việc phê duyệt")
    assert run(["coversheet", "-o", str(tmp_path / "x.pdf"), "--record", "R",
                "--date", "31/02/2024"]) == 4


def _first_page(pdf: Path) -> Image.Image:
    from trams.scanning.pdf_input import load_pdf_page

    image, dpi = load_pdf_page(pdf, 0)
    assert dpi == (300.0, 300.0)
    return image


def _damaged(sheet: Image.Image) -> Image.Image:
    """A cover sheet whose code cannot be read: coffee, a fold, a pen pressed over it."""
    from PIL import ImageDraw

    image = sheet.copy()
    ink = (sheet.point(lambda v: 255 if v < 128 else 0)).crop((0, 200, 1654, 1300)).getbbox()
    x0, y0, x1, y1 = ink[0], ink[1] + 200, ink[2], ink[3] + 200
    ImageDraw.Draw(image).rectangle((x0 + (x1 - x0) * 0.3, y0 + (y1 - y0) * 0.3,
                                     x0 + (x1 - x0) * 0.75, y0 + (y1 - y0) * 0.7), fill=235)
    return image


def test_unreadable_cover_sheet_fails_its_whole_entry(scanned_sheets, small_scan,
                                                      tmp_path: Path) -> None:
    """A page that looks like a cover sheet but does not decode: the file it is in fails
    for review, with the reason; its pages are never appended to the document before."""
    damaged = _damaged(scanned_sheets[1])
    assert find_coversheet(damaged) is None
    page = small_scan.convert("L")
    batch = tmp_path / "batch"
    batch.mkdir()
    scanned_sheets[0].save(batch / "scan1.png", dpi=(200, 200))
    page.save(batch / "scan2.png", dpi=(300, 300))
    # the second document: its damaged sheet and its page in one multi-page TIFF
    damaged.save(batch / "scan3.tif", dpi=(200, 200), save_all=True,
                 append_images=[page.copy()], compression="tiff_lzw")
    scanned_sheets[2].save(batch / "scan4.png", dpi=(200, 200))
    page.save(batch / "scan5.png", dpi=(300, 300))
    found = discover([batch], grouping="coversheet")
    docs = {d.name: [(p.path.name, p.index) for p in d.pages] for d in found.documents}
    assert docs == {"000.00.00.H42-2024-HS0012.0000001": [("scan2.png", 0)],
                    "000.00.00.H42-2024-HS0013.0000001": [("scan5.png", 0)]}
    reasons = {f.path.name: f.error.one_line() for f in found.failures}
    assert set(reasons) == {"scan3.tif"}, reasons
    assert "looks like a cover sheet" in reasons["scan3.tif"]
    assert "trams coversheet" in reasons["scan3.tif"]  # what to do


def test_a_page_is_not_taken_for_a_cover_sheet(ref_pages) -> None:
    from support.pages import sealed_pages
    from trams.scanning.coversheet import looks_like_coversheet

    for n in range(1, 11):
        with Image.open(ref_pages / f"page{n:02d}.tif") as image:
            assert not looks_like_coversheet(image, 300), n
    sealed = sealed_pages()
    for name in ("seal01-300.jpg", "seal05-200.jpg"):  # seals and stamps are not codes
        with Image.open(sealed / name) as image:
            assert not looks_like_coversheet(image, image.info["dpi"][0]), name
