"""Archive library: layout, immutability, versions, check findings, locking, stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from support.archive import SIGNATURES, quality

from trams.archive import Archive, Layout
from trams.archive.journal import Journal
from trams.errors import ArchiveBusyError, ArchiveError, ArchiveIntegrityError, ExitCode
from trams.metadata import DocumentMetadata, RecordMetadata

RECORD = RecordMetadata(fileCode="H42.2025.HS01", title="Hồ sơ thử", startDate="01/03/2025")


def add(archive: Archive, pdf: Path, *, seq: int = 1, record: RecordMetadata = RECORD,
        source: str | None = None, sidecar: str | None = None):
    return archive.add_document(record, DocumentMetadata(sequence=seq), pdf,
                                source_hash=source or pdf.name, page_count=2,
                                signatures=SIGNATURES, quality=quality(81.5),
                                sidecar_text=sidecar)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "archive"


def problems(root: Path, **kw) -> list[tuple[str, str]]:
    with Archive.open(root, agency_code="H42", writer=False) as a:
        return [(p.kind, p.path) for p in a.check(**kw).problems if p.severity == "error"]


def test_layout_files_and_bagit_cli(root: Path, pdfs) -> None:
    with Archive.open(root, agency_code="H42") as a:
        done = add(a, pdfs("a.pdf"), sidecar="Quyết định số 01")
        add(a, pdfs("b.pdf"), seq=2)
    folder = root / "H42" / "2025" / "H42.2025.HS01"
    assert done.folder == folder and done.status == "archived"
    names = sorted(p.name for p in (folder / "data").iterdir())
    assert names == ["H42.2025.HS01.0000001.json", "H42.2025.HS01.0000001.pdf",
                     "H42.2025.HS01.0000001.txt", "H42.2025.HS01.0000002.json",
                     "H42.2025.HS01.0000002.pdf", "record.json"]
    meta = json.loads(done.metadata.read_text())
    assert meta["sha256"] == done.sha256 and meta["pageCount"] == 2
    assert meta["quality"]["pages"][0]["mean_confidence"] == 81.5 and meta["signatures"]
    assert meta["docCode"] == "H42.2025.HS01.0000001"
    assert json.loads((folder / "data" / "record.json").read_text())["record"]["title"] == \
        "Hồ sơ thử"
    assert (folder / "bagit.txt").read_text().startswith("BagIt-Version: 1.0")
    assert "Payload-Oxum" in (folder / "bag-info.txt").read_text()
    bagit.Bag(str(folder)).validate()
    cli = subprocess.run([sys.executable, "-m", "bagit", "--validate", str(folder)],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and "is valid" in cli.stderr
    assert problems(root) == []


def test_immutable_versions_and_noop(root: Path, pdfs) -> None:
    with Archive.open(root, agency_code="H42") as a:
        first = add(a, pdfs("a.pdf", "one"))
        v1 = first.pdf.read_bytes()
        assert first.pdf.stat().st_mode & 0o777 == 0o444
        again = add(a, pdfs("a2.pdf", "one"), source="other")  # same bytes, another input
        assert again.status == "unchanged" and again.pdf == first.pdf
        second = add(a, pdfs("b.pdf", "two"))
        assert second.version == 2 and second.pdf.name == "H42.2025.HS01.0000001.v2.pdf"
        assert first.pdf.read_bytes() == v1  # the old version is kept, untouched
        assert json.loads(second.metadata.read_text())["previousVersion"] == first.pdf.name
        # back to the first content: still a no-op (any version with this content)
        assert add(a, pdfs("c.pdf", "one")).status == "unchanged"
        # record fields changed: record.json is versioned, never rewritten
        changed = RECORD.model_copy(update={"title": "Hồ sơ đã sửa"})
        add(a, pdfs("d.pdf", "three"), seq=2, record=changed)
        assert a.is_done("a.pdf") and a.is_done("other") and not a.is_done("zzz")
    data = root / "H42" / "2025" / "H42.2025.HS01" / "data"
    assert json.loads((data / "record.v2.json").read_text())["record"]["title"] == "Hồ sơ đã sửa"
    events = [e["event"] for e in Journal(root / ".trams" / "journal.jsonl").entries()]
    assert events == ["archived", "unchanged", "archived", "unchanged", "archived"]
    assert problems(root) == []


def test_record_status_for_the_runner(root: Path) -> None:
    with Archive.open(root, agency_code="H42") as a:
        a.record_status("abc", stage="ocr", status="failed", error="tesseract crashed",
                        input_path="inbox/x.tif")
        assert not a.is_done("abc")
        assert a.item("abc")["error"] == "tesseract crashed"
        with pytest.raises(ValueError):
            a.record_status("abc", stage="ocr", status="bogus")
        rows = a.stats(by="agency")
    assert rows == [{"period": "H42", "documents": 0, "versions": 0, "pages": 0, "signed": 0,
                     "failed": 1, "mean_confidence": None, "needs_review": 0}]


def test_stats(root: Path, pdfs) -> None:
    with Archive.open(root, agency_code="H42") as a:
        add(a, pdfs("a.pdf"))
        add(a, pdfs("b.pdf"), seq=2)
        month = a.stats(by="month")
        day = a.stats(by="day")
        with pytest.raises(ArchiveError):
            a.stats(by="week")
    assert len(month) == 1 and month[0]["documents"] == 2 and month[0]["pages"] == 4
    assert month[0]["signed"] == 2 and month[0]["mean_confidence"] == 81.5
    assert day[0]["period"].startswith(month[0]["period"]) and len(day[0]["period"]) == 10


@pytest.mark.parametrize("code", ["../../etc", "..", "a/b", "a\\b", "CON", "nul.txt",
                                  "x\x00y", "line\nbreak", ".hidden", "ends.", " pad",
                                  "50%"])
def test_unsafe_record_codes_are_refused(root: Path, pdfs, code: str) -> None:
    record = RecordMetadata(fileCode=code)
    with Archive.open(root, agency_code="H42") as a, pytest.raises(ArchiveError) as err:
        add(a, pdfs("a.pdf"), record=record)
    assert "fileCode" in err.value.message or "file_code" in err.value.message
    assert err.value.exit_code == ExitCode.INPUT
    assert [p for p in root.rglob("*") if ".trams" not in p.parts] == []


@pytest.mark.parametrize("agency", ["..", "a/b", ""])
def test_unsafe_agency_code_is_refused(root: Path, pdfs, agency: str) -> None:
    with Archive.open(root, agency_code=agency) as a, pytest.raises(ArchiveError):
        add(a, pdfs("a.pdf"))


@pytest.mark.parametrize("template", ["../{file_code}", "/tmp/{file_code}", "{agency_code}",
                                      "{file_code}/{secret}", "a/../../{file_code}"])
def test_unsafe_layouts_are_refused(template: str) -> None:
    with pytest.raises(ArchiveError):
        Layout(template)


def test_symlink_out_of_the_archive_is_refused(root: Path, tmp_path: Path, pdfs) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root.mkdir()
    (root / "H42").symlink_to(outside)
    with Archive.open(root, agency_code="H42") as a, pytest.raises(ArchiveError):
        add(a, pdfs("a.pdf"))
    assert list(outside.iterdir()) == []


def test_second_writer_is_refused(root: Path, pdfs) -> None:
    code = ("import sys\nfrom trams.archive import Archive\nfrom trams.errors import "
            "ArchiveBusyError\ntry:\n    Archive.open(sys.argv[1], agency_code='H42')\n"
            "except ArchiveBusyError as e:\n    print(e.one_line()); sys.exit(e.exit_code)\n")
    with Archive.open(root, agency_code="H42") as a:
        add(a, pdfs("a.pdf"))
        other = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True,
                               text=True, timeout=60)
        assert other.returncode == ExitCode.ARCHIVE_BUSY, other.stderr
        assert f"pid {os.getpid()}" in other.stdout
        with pytest.raises(ArchiveBusyError):  # also within one process (own descriptor)
            Archive.open(root, agency_code="H42")
        with pytest.raises(ArchiveBusyError):  # a checker waits for the writer too
            Archive.open(root, agency_code="H42", writer=False)
    with Archive.open(root, agency_code="H42") as a:  # released on close
        add(a, pdfs("b.pdf"), seq=2)
    assert problems(root) == []


def test_check_reports_flipped_byte_and_deleted_file(root: Path, pdfs) -> None:
    with Archive.open(root, agency_code="H42") as a:
        one = add(a, pdfs("a.pdf", size=500))
        two = add(a, pdfs("b.pdf"), seq=2)
    os.chmod(one.pdf, 0o644)
    data = bytearray(one.pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    one.pdf.write_bytes(bytes(data))
    os.chmod(one.pdf, 0o444)
    two.metadata.unlink()
    found = problems(root)
    rel = lambda p: p.relative_to(root).as_posix()  # noqa: E731
    assert ("checksum_mismatch", rel(one.pdf)) in found
    assert ("missing_file", rel(two.metadata)) in found
    assert any(kind == "bag_invalid" for kind, _ in found)
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(one.folder)).validate()


def test_check_reports_unknown_files_and_journal_tampering(root: Path, pdfs) -> None:
    with Archive.open(root, agency_code="H42") as a:
        add(a, pdfs("a.pdf"))
        add(a, pdfs("b.pdf"), seq=2)
        add(a, pdfs("c.pdf"), seq=3)
    folder = root / "H42" / "2025" / "H42.2025.HS01"
    (folder / "data" / "stray.pdf").write_bytes(b"x")
    (root / "notes.txt").write_text("x")
    found = {kind for kind, _ in problems(root)}
    assert {"unexpected_file", "unknown_file", "bag_invalid"} <= found
    (folder / "data" / "stray.pdf").unlink()
    (root / "notes.txt").unlink()
    assert problems(root) == []
    journal = root / ".trams" / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + lines[1].replace(b'"version":1', b'"version":7') + lines[2])
    assert ("journal_broken", ".trams/journal.jsonl") in problems(root)
    journal.write_bytes(b"".join(lines[:2]))  # the last line removed: the chain is fine
    found = {kind for kind, _ in problems(root)}
    assert {"journal_truncated", "not_in_journal"} <= found
    with pytest.raises(ArchiveIntegrityError):  # no more writing after damaged history
        with Archive.open(root, agency_code="H42") as a:
            add(a, pdfs("d.pdf"), seq=4)


def test_deep_check_uses_the_injected_verifier(root: Path, pdfs) -> None:
    with Archive.open(root, agency_code="H42") as a:
        good = add(a, pdfs("good.pdf"))
        bad = add(a, pdfs("bad.pdf"), seq=2)
    verdicts = {good.pdf: "TOTAL_PASSED", bad.pdf: "TOTAL_FAILED"}
    seen = []

    def verifier(path: Path) -> dict:
        seen.append(path)
        return {"verdict": verdicts[path]}

    with Archive.open(root, agency_code="H42", writer=False) as a:
        assert a.check().ok
        report = a.check(deep=True, verifier=verifier)
        with pytest.raises(ValueError):
            a.check(deep=True)
    assert sorted(seen) == sorted(verdicts)
    assert not report.ok and report.signatures_checked == 2
    assert [p.kind for p in report.problems] == ["signature_failed"]
    assert report.to_dict()["problems"][0]["path"].endswith("0000002.pdf")


def test_reader_on_missing_archive(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError):
        Archive.open(tmp_path / "nothing", writer=False)
