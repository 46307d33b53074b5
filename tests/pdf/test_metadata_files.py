"""Metadata round trip through XMP, atomic writing, streaming, safe names, metadata files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pikepdf
import pytest

from trams.errors import InputError
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.metadata_io import load_metadata
from trams.models import EncodedImage, PageQuality, RecognizedPage, SourcePage
from trams.naming import document_stem, safe_filename
from trams.pdf import assemble
from trams.pdf.assemble import write_pdfa
from trams.pdf.xmp import read_metadata

FULL_RECORD = RecordMetadata(
    fileCode="000.00.00.H42.2024.HS-01", title="Hồ sơ <giao đất> & \"tái định cư\" xã Trà Đốc",
    maintenance="01", mode="02", language="vi", startDate="05/03/2020", endDate="31/12/2024",
    keyword="đất ở; tái định cư", totalDoc=12, numberOfPaper=40, numberOfPage=87,
    format="Điện tử", inforSign="Có", confidenceLevel="02", paperFileCode="HS-GIAY-0001",
    riskRecovery=True, riskRecoveryStatus="01",
    description="Dòng một\r\nDòng hai\n  thụt đầu dòng  \tTab ở cuối ",
)
FULL_DOC = DocumentMetadata(
    sequence=42, docId="H42-2024-0000042", docCode="000.00.00.H42.2024.HS-01.0000042",
    typeName="01", codeNumber="1059", codeNotation="QĐ-UBND", issuedDate="27/01/2024",
    organName="Ủy ban nhân dân huyện Bắc Trà My", subject="Về việc giao đất ở cho hộ ông Hùng",
    numberOfPage=2, autograph="Nguyễn Văn Hùng", process=False, language="vi",
    keyword="giao đất", mode="01", confidenceLevel="02", description="Bản sao số hóa ỹ ữ ặ",
)


def _page(tmp: Path, name: str = "p", size: int = 1000) -> RecognizedPage:
    data = tmp / f"{name}.jpg"
    data.write_bytes(os.urandom(size))  # opaque bytes: assembly never decodes them
    image = EncodedImage(data, "/DCTDecode", "/DeviceGray", 8, 100, 100)
    return RecognizedPage(SourcePage(data), image, (300.0, 300.0), (), PageQuality(dpi=300))


@pytest.mark.parametrize("level", ["1b", "2b"])
def test_metadata_round_trips_exactly(tmp_path, level) -> None:
    result = write_pdfa([_page(tmp_path)], FULL_RECORD, FULL_DOC, tmp_path / "m.pdf",
                        level=level)
    with pikepdf.open(result.path) as pdf:
        record, doc = read_metadata(pdf.Root.Metadata.read_bytes())
    assert record == FULL_RECORD
    assert doc == FULL_DOC
    assert record.description == FULL_RECORD.description  # \r\n, tabs, spaces kept


def test_sparse_metadata_round_trips(tmp_path) -> None:
    record = RecordMetadata(fileCode="X.1", language=None, confidenceLevel=None)
    result = write_pdfa([_page(tmp_path)], record, None, tmp_path / "s.pdf")
    with pikepdf.open(result.path) as pdf:
        assert read_metadata(pdf.Root.Metadata.read_bytes()) == (record, None)


def test_result_describes_the_file(tmp_path) -> None:
    import hashlib
    result = write_pdfa([_page(tmp_path, "a"), _page(tmp_path, "b")], None, None,
                        tmp_path / "r.pdf", sidecar=tmp_path / "r.txt")
    data = result.path.read_bytes()
    assert result.pages == 2 and result.bytes == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "r.txt").read_text(encoding="utf-8") == "\f\n"


def test_failed_write_leaves_no_file(tmp_path, monkeypatch) -> None:
    def broken(skeleton, update, out, part):
        out.write_bytes(b"%PDF-1.7 half written")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(assemble, "_qpdf_write", broken)
    dest = tmp_path / "out" / "doc.pdf"
    with pytest.raises(Exception) as info:
        write_pdfa([_page(tmp_path)], None, None, dest)
    assert "disk is full" in str(info.value)
    assert list(dest.parent.iterdir()) == []


def test_existing_file_survives_a_failed_rewrite(tmp_path, monkeypatch) -> None:
    dest = tmp_path / "doc.pdf"
    write_pdfa([_page(tmp_path)], None, None, dest)
    before = dest.read_bytes()

    def broken(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(assemble, "_qpdf_write", broken)
    with pytest.raises(KeyboardInterrupt):
        write_pdfa([_page(tmp_path, "n")], None, None, dest)
    assert dest.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".pdf") == ["doc.pdf"]


def test_missing_page_image_is_an_input_error(tmp_path) -> None:
    page = _page(tmp_path)
    page.image.path.unlink()
    with pytest.raises(InputError):
        write_pdfa([page], None, None, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_pages_are_streamed_not_held(tmp_path) -> None:
    """60 pages of 4 MB each (240 MB of image data) in a fresh process: peak memory grows
    by far less than the data, because qpdf reads each image file only while writing."""
    script = textwrap.dedent(f"""
        import os, resource, sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_metadata_files import _page
        from trams.pdf.assemble import write_pdfa
        tmp = Path({str(tmp_path)!r})
        pages = [_page(tmp, f"p{{i}}", 4_000_000) for i in range(60)]
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = write_pdfa(iter(pages), None, None, tmp / "big.pdf")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(result.bytes, (peak - base) // 1024)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    size, grown_mb = map(int, out.stdout.split())
    assert size > 240_000_000
    assert grown_mb < 60, grown_mb


@pytest.mark.parametrize("bad", ["", " ", ".", "..", "../escape", "a/b", "a\\b", ".hidden",
                                 "con", "LPT1.txt", "x:y", "tab\there", "ends.", "nul\x00",
                                 "a" * 201, "e\u0301"])
def test_unsafe_names_are_rejected(bad) -> None:
    with pytest.raises(InputError):
        safe_filename(bad)


def test_safe_names_pass_unchanged() -> None:
    for good in ("000.00.00.H42.2024.HS-01.0000001", "Hồ sơ Trà Đốc 01", "a_b-c.d"):
        assert safe_filename(good) == good


def test_document_stem_from_metadata_or_input() -> None:
    record = RecordMetadata(fileCode="H42.2024.HS-01")
    assert document_stem("x.tif", record, DocumentMetadata(sequence=7)) == \
        "H42.2024.HS-01.0000007"
    assert document_stem("folder/sub/scan 1.tif") == "folder_sub_scan 1"
    assert document_stem("folder") == "folder"
    with pytest.raises(InputError):
        document_stem("x.tif", RecordMetadata(fileCode="../../etc/passwd"), None)
    with pytest.raises(InputError):
        document_stem("x.tif", RecordMetadata(fileCode="H42/2024"), None)


def test_metadata_file_formats(tmp_path) -> None:
    (tmp_path / "m.toml").write_text(textwrap.dedent("""
        [record]
        fileCode = "H42.2024.HS-01"
        title = "Hồ sơ số hóa"
        [[documents]]
        source = "b.tif"
        sequence = 2
        subject = "Văn bản B"
        [[documents]]
        sequence = 1
        subject = "Văn bản A"
        """), encoding="utf-8")
    md = load_metadata(tmp_path / "m.toml")
    used: set[int] = set()
    record, doc = md.for_document("a.tif", 0, used)
    assert (record.title, doc.sequence, doc.subject) == ("Hồ sơ số hóa", 1, "Văn bản A")
    assert md.for_document("b.tif", 1, used)[1].subject == "Văn bản B"
    assert md.for_document("c.tif", 2, used) is None

    (tmp_path / "m.json").write_text(json.dumps({"record": {"fileCode": "J.1"}}),
                                     encoding="utf-8")
    md = load_metadata(tmp_path / "m.json")
    assert md.for_document("x", 4)[1].sequence == 5

    (tmp_path / "m.csv").write_text(
        "source,fileCode,record.title,title,sequence,subject,language,issuedDate\n"
        "a.tif,H42.1,Hồ sơ,,3,Về việc A,vi,27/01/2024\n", encoding="utf-8")
    record, doc = load_metadata(tmp_path / "m.csv").for_document("a.tif", 0)
    assert (record.fileCode, record.title, doc.sequence, doc.subject) == \
        ("H42.1", "Hồ sơ", 3, "Về việc A")
    assert doc.issuedDate.isoformat() == "2024-01-27"


@pytest.mark.parametrize(("name", "text"), [
    ("a.toml", "[record]\ntitle = 'no fileCode'\n"),
    ("b.toml", "[record]\nfileCode = 'x'\nbogus = 1\n"),
    ("c.json", "{not json"),
    ("d.csv", "fileCode,color\nx,red\n"),
    ("e.csv", "fileCode,sequence\nx,0\n"),
    ("f.yaml", "record: {}\n"),
])
def test_bad_metadata_files_are_input_errors(tmp_path, name, text) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_metadata(tmp_path / name)
    assert info.value.path == tmp_path / name
