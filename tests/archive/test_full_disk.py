"""A full disk gives a clear StorageError and leaves the archive valid.

Where the test may mount a small tmpfs (root, no container restriction) it fills a real
filesystem; otherwise it says so and injects ENOSPC (TRAMS_FAULT_ENOSPC). The injected
variant always runs too, at each of the three writes that can meet a full disk.
"""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import pytest
from support.archive import fake_pdf

from trams import faults
from trams.archive import Archive
from trams.errors import ExitCode, StorageError
from trams.metadata import DocumentMetadata, RecordMetadata

RECORD = RecordMetadata(fileCode="H42.2025.HS09", startDate="01/03/2025")


def _fill(archive: Archive, tmp: Path, size: int = 60_000,
          limit: int = 400) -> tuple[int, StorageError]:
    for seq in range(1, limit):
        pdf = fake_pdf(tmp / f"d{seq}.pdf", f"document {seq}", size=size)
        try:
            archive.add_document(RECORD, DocumentMetadata(sequence=seq), pdf,
                                 source_hash=f"s{seq}", page_count=1, signatures=[],
                                 quality=None)
        except StorageError as exc:
            return seq, exc
    raise AssertionError("the disk never filled up")


def _assert_valid(root: Path, archived: int) -> None:
    with Archive.open(root, agency_code="H42", writer=False) as a:
        report = a.check()
        assert report.ok, [p.to_dict() for p in report.problems]
        assert report.documents == archived
        assert a.state.pending() == []


@pytest.fixture
def small_fs(tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


# Different sizes make the disk fill up during different writes: the PDF copy, a tag file,
# the journal, the state database (found by a sweep over sizes; all must end valid).
@pytest.mark.parametrize("size", [4_777, 38_770, 60_000, 72_763, 118_087])
def test_full_disk(small_fs: Path | None, tmp_path: Path, monkeypatch, record_property,
                   size: int) -> None:
    if small_fs is None:
        method = "injected ENOSPC (tmpfs mount not permitted here)"
        root = tmp_path / "archive"
        monkeypatch.setenv(faults.ENOSPC_ENV, "stage.pdf")
        with Archive.open(root, agency_code="H42") as a:
            with pytest.raises(StorageError) as err:
                _fill(a, tmp_path)
        failed_at = 1
    else:
        method = "real 1 MiB tmpfs"
        root = small_fs / "archive"
        inputs = tmp_path / "in"
        inputs.mkdir()
        with Archive.open(root, agency_code="H42") as a:
            failed_at, exc = _fill(a, inputs, size)
            assert not a.is_done(f"s{failed_at}")  # failed, or never recorded (state full)
        err = type("E", (), {"value": exc})
    record_property("full_disk_method", method)
    warnings.warn(f"full-disk test used: {method}", stacklevel=1)
    assert err.value.exit_code == ExitCode.STORAGE
    assert "disk is full" in err.value.message
    _assert_valid(root, failed_at - 1)
    assert failed_at > 1 or small_fs is None


@pytest.mark.parametrize("point", ["stage.pdf", "tags.write", "journal.append"])
def test_injected_disk_full_rolls_back(tmp_path: Path, monkeypatch, point: str) -> None:
    root = tmp_path / "archive"
    with Archive.open(root, agency_code="H42") as a:
        first = fake_pdf(tmp_path / "a.pdf", "first")
        a.add_document(RECORD, DocumentMetadata(sequence=1), first, source_hash="a",
                       page_count=1, signatures=[], quality=None)
        monkeypatch.setenv(faults.ENOSPC_ENV, point)
        with pytest.raises(StorageError) as err:
            a.add_document(RECORD, DocumentMetadata(sequence=2),
                           fake_pdf(tmp_path / "b.pdf", "second"), source_hash="b",
                           page_count=1, signatures=[], quality=None)
        assert err.value.exit_code == ExitCode.STORAGE
        assert a.item("b")["status"] == "failed" and not a.is_done("b")
        monkeypatch.delenv(faults.ENOSPC_ENV)
    _assert_valid(root, 1)
    assert not list((root / "H42" / "2025" / "H42.2025.HS09" / "data").glob("*0000002*"))
    with Archive.open(root, agency_code="H42") as a:  # space is back: the re-run works
        a.add_document(RECORD, DocumentMetadata(sequence=2), tmp_path / "b.pdf",
                       source_hash="b", page_count=1, signatures=[], quality=None)
    _assert_valid(root, 2)
