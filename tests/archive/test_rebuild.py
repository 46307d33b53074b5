"""A lost or damaged state database (issue 13, item 2) and read-only archives (item 3).

State missing, empty (0 bytes, or an empty database over existing bags), garbage or
truncated: `archive check` says what is wrong and names `rebuild` (exit 14), never
crashes; opening for writing stops (exit 15) and creates nothing; `archive rebuild` makes
the same state again from the bags (documents, versions, records, inputs, journal head,
search index) and refuses, with a report, a bag that fails its manifests. A read-only copy
can be checked, counted, searched and shown, and nothing is written to it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from support.archive import fake_pdf, quality, readonly_copy, tree_state
from trams.cli.main import run as cli_run

from trams.archive import Archive
from trams.archive.search import SearchOptions, search
from trams.archive.state import SCHEMA, DamagedStateError
from trams.errors import ExitCode
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.models import SignatureRecord

R1 = RecordMetadata(fileCode="H42.2025.HS01", title="Hồ sơ giao đất", startDate="01/03/2025")
R2 = RecordMetadata(fileCode="H42.2025.HS02", title="Hồ sơ sửa chữa trường học")
R2B = R2.model_copy(update={"description": "bổ sung"})  # a new record.json version


def run(argv: list[str]) -> int:
    return cli_run(["--lang", "en", *argv])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    docs = [(R1, 1, "Quyết định giao đất ở cho hộ ông An"), (R1, 2, "Biên bản bàn giao đất"),
            (R2, 1, "Tờ trình sửa chữa trường học"), (R2B, 2, "Dự toán sửa chữa mái")]
    with Archive.open(root, agency_code="H42") as a:
        for n, (record, seq, text) in enumerate(docs):
            a.add_document(record, DocumentMetadata(sequence=seq, subject=text[:20]),
                           fake_pdf(tmp_path / f"d{n}.pdf", text), source_hash=f"src{n}",
                           page_count=1,
                           signatures=[SignatureRecord(field="Leader", role="leader",
                                                       signer="An")],
                           quality=quality(88.0),
                           verdict="TOTAL_PASSED", sidecar_text=text if n % 2 else None,
                           index_text=text)
        # a second version of a document (new content, same sequence)
        a.add_document(R1, DocumentMetadata(sequence=1, subject="Quyết định sửa đổi"),
                       fake_pdf(tmp_path / "d0v2.pdf", "v2"), source_hash="src0v2",
                       page_count=1, signatures=[], quality=None, index_text="bản sửa đổi")
    return root


def snapshot(root: Path) -> dict:
    db = sqlite3.connect(f"file:{root / '.trams' / 'state.sqlite'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        docs = sorted((r["txid"], r["stage"], r["source_hash"], r["folder"], r["record_code"],
                       r["doc_code"], r["sequence"], r["version"], r["sha256"],
                       r["content_key"], r["size"], r["page_count"], r["signed"], r["verdict"],
                       r["quality_verdict"], r["pdf"], r["agency_code"], r["archived_at"],
                       json.dumps(sorted(json.loads(r["files"]), key=lambda f: f["name"])),
                       json.loads(r["record"])["version"], json.loads(r["record"])["key"])
                      for r in db.execute("SELECT * FROM documents"))
        records = sorted(tuple(r) for r in db.execute("SELECT * FROM records"))
        items = sorted((r["source_hash"], r["status"], r["output_path"])
                       for r in db.execute("SELECT * FROM items WHERE status = 'archived'"))
        head = db.execute("SELECT value FROM meta WHERE key = 'journal_head'").fetchone()[0]
    finally:
        db.close()
    return {"documents": docs, "records": records, "items": items, "head": head}


def damage(root: Path, how: str) -> None:
    db = root / ".trams" / "state.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if how == "missing":
        db.unlink()
    elif how == "empty":
        db.write_bytes(b"")
    elif how == "garbage":
        db.write_bytes(os.urandom(20_000))
    elif how == "truncated":
        with open(db, "r+b") as fh:
            fh.truncate(4096)  # the first page only: the tables' pages are gone
    elif how == "empty_database":  # what `run` used to create over existing bags
        db.unlink()
        con = sqlite3.connect(db)
        con.executescript(SCHEMA)
        con.close()


def check_json(root: Path, capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = run(["archive", "check", "--json", "--archive", str(root)])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("how", ["missing", "empty", "garbage", "truncated", "empty_database"])
def test_damaged_state_is_named_and_rebuilt_from_the_bags(root: Path, how: str,
                                                          capsys) -> None:
    before = snapshot(root)
    assert len(before["documents"]) == 5 and len(before["records"]) == 2
    damage(root, how)

    code, report = check_json(root, capsys)
    assert code == ExitCode.ARCHIVE_INTEGRITY, report
    state = [p for p in report["problems"] if p["kind"].startswith("state_")]
    assert len(state) == 1 and "trams archive rebuild" in state[0]["message"]
    assert not [p for p in report["problems"] if p["severity"] == "error" and
                not p["kind"].startswith("state_")]  # the bags themselves are intact
    capsys.readouterr()
    assert run(["archive", "check", "--archive", str(root)]) == ExitCode.ARCHIVE_INTEGRITY
    assert "rebuild" in capsys.readouterr().out

    with pytest.raises(DamagedStateError) as caught:  # a writer (a run) stops at open
        Archive.open(root, agency_code="H42")
    assert caught.value.exit_code == ExitCode.STORAGE
    assert "trams archive rebuild" in caught.value.one_line()
    if how == "missing":  # never an empty state over the bags
        assert not (root / ".trams" / "state.sqlite").exists()

    capsys.readouterr()
    assert run(["archive", "rebuild", str(root)]) == 0, capsys.readouterr().out
    after = snapshot(root)
    for x, y in zip(before["documents"], after["documents"], strict=True):
        assert x == y, [(i, p, q) for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
    assert after == before
    code, report = check_json(root, capsys)
    assert code == 0 and report["problems"] == [], report
    assert search(root, SearchOptions(query="sua chua")).total == 2
    with Archive.open(root, agency_code="H42") as a:  # writable again, inputs known
        assert a.is_done("src2") and a.is_done("src0v2")
        a.add_document(R2, DocumentMetadata(sequence=3), fake_pdf(root.parent / "n.pdf", "n"),
                       source_hash="new", page_count=1, signatures=[], quality=None)
    assert check_json(root, capsys)[0] == 0


def test_rebuild_refuses_a_bag_that_fails_its_manifest(root: Path, capsys) -> None:
    pdf = next(root.glob("H42/*/H42.2025.HS02/data/H42.2025.HS02.0000001.pdf"))
    original = pdf.read_bytes()
    os.chmod(pdf, 0o644)
    pdf.write_bytes(original.replace(b"%PDF", b"%PDX"))
    damage(root, "missing")
    capsys.readouterr()
    assert run(["archive", "rebuild", "--json", "--archive", str(root)]) == \
        ExitCode.ARCHIVE_INTEGRITY
    report = json.loads(capsys.readouterr().out)
    assert [r["folder"] for r in report["refused"]] == [pdf.parents[1].relative_to(root).as_posix()]
    assert report["refused"][0]["problems"][0]["kind"] == "checksum_mismatch"
    assert report["records"] == 1 and report["documents"] == 3
    assert report["lost"]  # the journal's entries of the refused bag are named
    assert run(["archive", "check", "--archive", str(root)]) == ExitCode.ARCHIVE_INTEGRITY
    pdf.write_bytes(original)  # restored from a backup copy
    # state healthy: --force
    assert run(["archive", "rebuild", "--archive", str(root)]) == ExitCode.INPUT
    assert run(["archive", "rebuild", "--force", "--archive", str(root)]) == 0
    assert check_json(root, capsys)[0] == 0


def test_a_readonly_copy_is_checked_counted_searched_and_left_untouched(
        root: Path, tmp_path: Path, capsys) -> None:
    # a copy taken while a writer had transactions in the write-ahead log
    live = sqlite3.connect(root / ".trams" / "state.sqlite")
    live.execute("PRAGMA wal_autocheckpoint=0")
    live.execute("INSERT INTO items (source_hash, stage, status, updated) "
                 "VALUES ('probe', 'run', 'failed', 'now')")
    live.commit()
    try:
        with readonly_copy(root, tmp_path) as copy:
            assert Path(f"{copy}/.trams/state.sqlite-wal").stat().st_size > 0
            before = tree_state(copy)
            with Archive.open(copy, agency_code="H42", writer=False) as a:
                assert a.read_only_media
                assert a.item("probe") is not None  # the log's rows are read too
                assert a.check().ok
            assert run(["archive", "check", "--archive", str(copy)]) == 0
            assert run(["archive", "stats", "--archive", str(copy)]) == 0
            capsys.readouterr()
            assert run(["archive", "search", "sửa chữa", "--archive", str(copy)]) == 0
            assert "H42.2025.HS02.0000001" in capsys.readouterr().out
            assert run(["archive", "show", "H42.2025.HS01", "--archive", str(copy)]) == 0
            assert run(["archive", "report", "--format", "json", "--archive", str(copy)]) == 0
            assert tree_state(copy) == before
    finally:
        live.close()
