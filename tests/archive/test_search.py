"""Search of an archive (issue 15), on small archives of hand-written Vietnamese texts:
folding, exact diacritics, phrases, prefixes, AND/OR/NOT, NFC = NFD, filters, versions,
snippets, ranking; the index kept inside the commit protocol (stale after a kill between
the archive's commit and the index update, caught up, rebuilt by reindex); missing,
damaged and outdated indexes named by `archive check` with the fix."""

from __future__ import annotations

import json
import shutil
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from support.archive import fake_pdf, make_spec, quality, run_worker
from trams.cli.main import run as cli_run

from trams.archive import Archive, search_index, vitext
from trams.archive.query import Phrase, Term, parse
from trams.archive.search import SearchOptions, make_snippet, parse_day, search, show
from trams.errors import ExitCode, InputError
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.models import SignatureRecord


@dataclass(frozen=True)
class Doc:
    record: str
    seq: int
    text: str
    subject: str = ""
    type_name: str | None = None
    notation: str | None = None
    issued: str | None = None
    signer: str = "Nguyễn Văn Hùng"


DOCS = {
    "A": Doc("H42.2024.HS-A", 1, "Quyết định về việc giao đất ở cho hộ ông Nguyễn Văn An tại "
             "thôn Đông Yên, xã Trà Leng. Điều 1. Giao đất ở diện tích 312,5 m2.",
             subject="Giao đất ở", type_name="02", notation="QĐ-UBND", issued="05/03/2024"),
    "B": Doc("H42.2024.HS-B", 1, "Công văn đề nghị đặt lịch họp về đất đai và thuế sử dụng "
             "đất nông nghiệp.", subject="Lịch họp", type_name="21", notation="UBND-VP",
             issued="10/06/2024", signer="Trần Thị Mai"),
    "C": Doc("H42.2024.HS-C", 1, "Tờ trình sửa chữa trường học đạt chuẩn. ĐẤT ĐAI của "
             "trường đã được cấp giấy chứng nhận.", subject="Sửa chữa trường học",
             type_name="12", notation="TTr-UBND", issued="26/07/2024"),
    "D": Doc("H42.2024.HS-D", 1, "Biên bản kiểm tra đạt yêu cầu; đặt tên đường Trà My; có "
             "nói đến việc sửa chữa cống.", subject="Biên bản kiểm tra", type_name="11",
             notation="BB-UBND", issued="01/12/2024"),
}


def _add(archive: Archive, name: str, doc: Doc, pdf: Path, *, text: str | None = None):
    record = RecordMetadata(fileCode=doc.record, title=f"Hồ sơ {name}")
    document = DocumentMetadata(sequence=doc.seq, subject=doc.subject, typeName=doc.type_name,
                                codeNotation=doc.notation, codeNumber="7",
                                issuedDate=doc.issued)
    return archive.add_document(
        record, document, pdf, source_hash=f"src-{name}-{pdf.name}", page_count=1,
        signatures=[SignatureRecord(field="Leader", role="leader", signer=doc.signer),
                    SignatureRecord(field="Agency", role="agency", signer="UBND xã Trà Leng")],
        quality=quality(90.0, "review" if name == "D" else "ok"),
        verdict="TOTAL_PASSED", sidecar_text=text if text is not None else doc.text)


@pytest.fixture
def archive_root(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    with Archive.open(root, agency_code="H42.01") as a:
        for name, doc in DOCS.items():
            _add(a, name, doc, fake_pdf(tmp_path / f"{name}.pdf", name))
    return root


def found(root: Path, query: str, **kw) -> list[str]:
    """Names (A, B, ...) of the documents found, in rank order."""
    result = search(root, SearchOptions(query=query, limit=50, **kw))
    by_record = {d.record: n for n, d in DOCS.items()}
    return [by_record[h.record_code] for h in result.hits]


def test_folding_and_the_letter_d(archive_root: Path) -> None:
    assert sorted(found(archive_root, "dat")) == ["A", "B", "C", "D"]  # đất đặt đạt ĐẤT
    assert found(archive_root, "dong yen") == ["A"]  # Đông Yên: Đ -> d
    assert found(archive_root, "DONG YEN") == ["A"]
    assert sorted(found(archive_root, "quyet dinh giao dat")) == ["A"]
    assert vitext.fold("Đường Quyết ĐỊNH ữ") == "duong quyet dinh u"


def test_exact_diacritics_match_that_spelling_only(archive_root: Path) -> None:
    assert sorted(found(archive_root, "đất")) == ["A", "B", "C"]  # not D (đạt, đặt)
    assert sorted(found(archive_root, "đặt")) == ["B", "D"]
    assert sorted(found(archive_root, "đạt")) == ["C", "D"]
    assert found(archive_root, "ĐẶT tên") == ["D"]  # case never matters


def test_nfd_query_equals_nfc(archive_root: Path) -> None:
    for query in ("đất đai", '"giao đất ở"', "trường -đất"):
        nfd = unicodedata.normalize("NFD", query)
        assert nfd != query
        assert found(archive_root, nfd) == found(archive_root, query)


def test_phrases_prefixes_and_operators(archive_root: Path) -> None:
    assert found(archive_root, '"giao đất ở"') == ["A"]
    assert found(archive_root, '"giao dat o"') == ["A"]
    assert found(archive_root, '"ở đất giao"') == []  # a phrase keeps its order
    assert sorted(found(archive_root, "đất đai")) == ["B", "C"]  # AND by default
    assert sorted(found(archive_root, "thuế OR yêu")) == ["B", "D"]
    assert sorted(found(archive_root, "thue | yeu")) == ["B", "D"]
    assert sorted(found(archive_root, "đất -thuế")) == ["A", "C"]
    assert sorted(found(archive_root, "đất NOT thuế")) == ["A", "C"]
    assert sorted(found(archive_root, "(thuế OR trường) đất")) == ["B", "C"]
    assert sorted(found(archive_root, "truon*")) == ["C"]
    assert sorted(found(archive_root, "chứng*")) == ["C"]
    assert found(archive_root, "H42.2024.HS-B") == ["B"]  # a code is a phrase of its parts
    assert found(archive_root, "không-có-từ-này") == []
    assert found(archive_root, "*", record="H42.2024.HS-C") == ["C"]  # all, filtered


def test_filters(archive_root: Path) -> None:
    assert found(archive_root, "dat", record="H42.2024.HS-B") == ["B"]
    assert sorted(found(archive_root, "dat", agency="H42.01")) == ["A", "B", "C", "D"]
    assert found(archive_root, "dat", agency="H42.99") == []
    assert found(archive_root, "dat", doc_type="02") == ["A"]
    assert found(archive_root, "dat", doc_type="QĐ") == ["A"]  # the notation, any case
    assert found(archive_root, "dat", doc_type="qd") == ["A"]
    assert found(archive_root, "dat", signer="tran thi mai") == ["B"]
    assert found(archive_root, "dat", signer="Trần Thị Mai") == ["B"]
    assert sorted(found(archive_root, "dat", date_from=date(2024, 6, 1),
                        date_to=date(2024, 7, 31))) == ["B", "C"]
    assert parse_day("2024-07", end=True) == date(2024, 7, 31)
    assert parse_day("26/07/2024") == date(2024, 7, 26)
    with pytest.raises(InputError):
        parse_day("July")


def test_ranking_snippet_and_counts(archive_root: Path) -> None:
    result = search(archive_root, SearchOptions(query="sửa chữa", limit=1))
    assert result.total == 2 and len(result.hits) == 1
    hit = result.hits[0]
    assert hit.record_code == "H42.2024.HS-C"  # in the subject too: ranked first
    marked = [hit.snippet.text[s:e] for s, e in hit.snippet.highlights]
    assert marked and all(vitext.fold(m) == "sua chua" for m in marked)
    assert hit.date == "2024-07-26" and hit.doc_type == "12" and hit.notation == "7/TTr-UBND"
    assert Path(hit.path).is_file()
    assert result.index.state == "fresh"
    data = result.to_dict()
    assert data["hits"][0]["highlights"] == [list(h) for h in hit.snippet.highlights]


def test_snippet_window_and_phrase_marks() -> None:
    text = " ".join(["lorem"] * 80) + " Quyết  định\nvề việc giao đất ở " + " ".join(["x"] * 80)
    snip = make_snippet(text, [Phrase((Term("giao", "giao"), Term("đất", "dat"),
                                      Term("ở", "o")))])
    assert snip.text.startswith("…") and snip.text.endswith("…")
    assert [snip.text[s:e] for s, e in snip.highlights] == ["giao đất ở"]
    assert "Quyết định về" in snip.text  # whitespace collapsed
    assert make_snippet("nothing here", [Term("dat", "dat")]) is None


def test_query_errors() -> None:
    for bad in ('"giao đất', "(đất", "đất)", "", "   ", "-đất", "NOT thuế"):
        with pytest.raises(InputError):
            parse(bad)
    assert parse("đất AND đai") == parse("đất đai")
    assert parse("or") == Term("or", "or")  # lower case: a word


def test_a_new_version_replaces_the_old_in_the_index(archive_root: Path, tmp_path: Path) -> None:
    with Archive.open(archive_root, agency_code="H42.01") as a:
        done = _add(a, "A", DOCS["A"], fake_pdf(tmp_path / "A2.pdf", "A v2"),
                    text="Quyết định sửa đổi: thu hồi đất.")
    assert done.version == 2
    assert found(archive_root, "dong yen") == []  # only in the text of version 1
    assert found(archive_root, "thu hoi") == ["A"]
    with search_index.SearchIndex.open(archive_root / ".trams" / "index") as idx:
        assert idx.count() == 4
    shown = show(archive_root, "H42.2024.HS-A.0000001")
    assert shown.kind == "document" and [v["version"] for v in shown.documents[0].versions] \
        == [1, 2]


def test_show_record_and_unknown_code(archive_root: Path) -> None:
    shown = show(archive_root, "H42.2024.HS-B")
    assert shown.kind == "record" and shown.record["title"] == "Hồ sơ B"
    doc = shown.documents[0]
    assert doc.verdict == "TOTAL_PASSED" and [s["role"] for s in doc.signatures] == [
        "leader", "agency"]
    assert doc.quality["verdict"] == "ok" and not doc.damaged
    with pytest.raises(InputError, match="no record or document"):
        show(archive_root, "H42.2024.HS-Z")


def _check_json(root: Path, capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = cli_run(["--lang", "en", "archive", "check", "--json", "--archive", str(root)])
    return code, json.loads(capsys.readouterr().out)


def _index_kinds(report: dict) -> list[str]:
    return [p["kind"] for p in report["problems"] if p["kind"].startswith("index_")]


def test_kill_between_archive_commit_and_index_update(tmp_path: Path, capsys) -> None:
    root = tmp_path / "archive"
    spec = make_spec(tmp_path, root, n_records=1, per_record=3)
    assert run_worker(spec, "index.update@2") == -9  # 2nd document committed, index not
    code, report = _check_json(root, capsys)
    assert code == 0 and _index_kinds(report) == ["index_stale"]  # a warning, not damage
    stale = next(p for p in report["problems"] if p["kind"] == "index_stale")
    assert stale["params"] == {"behind": 1} and "reindex" in stale["message"]
    assert search(root, SearchOptions(query="văn bản")).index.state == "stale"
    assert cli_run(["archive", "reindex", "--archive", str(root)]) == 0
    code, report = _check_json(root, capsys)
    assert code == 0 and report["problems"] == []
    result = search(root, SearchOptions(query="văn bản"))
    assert result.index.state == "fresh" and result.total == 1  # the one with sidecar text
    with search_index.SearchIndex.open(root / ".trams" / "index") as idx:
        assert idx.count() == 2  # the killed run archived two documents
    assert run_worker(spec) == 0  # the third; the index follows
    with search_index.SearchIndex.open(root / ".trams" / "index") as idx:
        assert idx.count() == 3


def test_a_writer_catches_a_stale_index_up(tmp_path: Path, capsys) -> None:
    root = tmp_path / "archive"
    spec = make_spec(tmp_path, root, n_records=2, per_record=1)
    assert run_worker(spec, "index.tantivy_committed@2") == -9
    assert _index_kinds(_check_json(root, capsys)[1]) == ["index_stale"]
    with Archive.open(root, agency_code="H42"):  # any writer's open (a run) catches up
        pass
    assert _check_json(root, capsys)[1]["problems"] == []


def test_missing_damaged_and_outdated_index(archive_root: Path, capsys) -> None:
    folder = archive_root / ".trams" / "index"
    shutil.rmtree(folder)
    assert _index_kinds(_check_json(archive_root, capsys)[1]) == ["index_missing"]
    capsys.readouterr()
    assert cli_run(["--lang", "en", "archive", "search", "đất", "--archive",
                    str(archive_root)]) == ExitCode.ARCHIVE_INTEGRITY
    assert "trams archive reindex" in capsys.readouterr().err
    assert cli_run(["archive", "reindex", "--archive", str(archive_root)]) == 0
    assert sorted(found(archive_root, "đất")) == ["A", "B", "C"]

    db = folder / search_index.DB_NAME
    with sqlite3.connect(db) as con:
        con.execute("UPDATE meta SET value = 'tantivy 0.1' WHERE key = 'engine'")
    con.close()
    assert _index_kinds(_check_json(archive_root, capsys)[1]) == ["index_outdated"]
    db.write_bytes(b"garbage" * 100)
    assert _index_kinds(_check_json(archive_root, capsys)[1]) == ["index_damaged"]
    assert cli_run(["archive", "reindex", "--archive", str(archive_root)]) == 0
    assert _check_json(archive_root, capsys)[1]["problems"] == []


def test_search_cli_formats(archive_root: Path, capsys) -> None:
    base = ["--lang", "en", "archive", "search", "--archive", str(archive_root)]
    capsys.readouterr()
    assert cli_run([*base, "đất", "--format", "csv", "--limit", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "\ufeffrank,score,doc_code,record_code,title,subject,date,agency,type," \
                       "notation,path,snippet"  # a BOM for Excel, the fixed columns
    assert len(lines) == 3
    assert cli_run([*base, "giao đất", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "archive-search" and data["total"] == 1
    assert cli_run([*base, "giao đất"]) == 0
    out = capsys.readouterr().out
    assert "H42.2024.HS-A.0000001" in out and "giao đất" in out.lower()
    assert "\x1b[" not in out  # not a terminal: no escape codes
    assert cli_run([*base, '"giao đất']) == ExitCode.INPUT
    assert cli_run([*base, "đất", "--format", "xml"]) == ExitCode.USAGE
