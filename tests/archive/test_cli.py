"""`trams archive add | check | stats` through the CLI, with files signed by pyHanko
against the demo PKI (served on 127.0.0.1) and the real verifier (trams.signing.verify)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from support import pdfmaker as pm
from trams.cli.main import run as cli_run
from trams.signing.demo_pki import serve_demo_pki

from trams.archive import Archive
from trams.errors import ExitCode


def run(argv: list[str]) -> int:
    """The CLI in this process, in English unless the test asks for --lang vi."""
    return cli_run(argv if "--lang" in argv else ["--lang", "en", *argv])


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signed")
    with serve_demo_pki(tmp_path_factory.mktemp("pki")) as pki:
        good = pm.dual(pki, "B-T")
        files = {"good": good, "good2": pm.dual(pki, "B-T"),
                 "tampered": pm.flip_signed_byte(good)}
        paths = {name: folder / f"{name}.pdf" for name in files}
        for name, data in files.items():
            paths[name].write_bytes(data)
        yield pki, paths


@pytest.fixture
def env(tmp_path: Path, signed):
    pki, paths = signed
    config = tmp_path / "trams.toml"
    config.write_text(f'[agency]\ncode = "H42"\n[archive]\npath = "archive"\n'
                      f'[trust]\nroots = ["{pki.root_pem}"]\n')
    return config, tmp_path / "archive", paths


def test_add_check_stats(env, capsys) -> None:
    config, root, paths = env
    meta = root.parent / "meta.json"
    meta.write_text(json.dumps({"record": {"title": "Hồ sơ đất đai", "startDate": "02/01/2025"},
                                "documents": [{"sequence": 1, "subject": "Quyết định"},
                                              {"sequence": 2}]}), encoding="utf-8")
    argv = ["--config", str(config), "archive", "add", "--record", "H42.2025.HS07",
            "--metadata", str(meta), str(paths["good"]), str(paths["good2"])]
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert "H42.2025.HS07.0000001.pdf" in out and "H42.2025.HS07.0000002.pdf" in out
    folder = root / "H42" / "2025" / "H42.2025.HS07"
    doc = json.loads((folder / "data" / "H42.2025.HS07.0000001.json").read_text())
    assert doc["signatureVerdict"] == "TOTAL_PASSED" and len(doc["signatures"]) == 2
    assert doc["pageCount"] == 1 and doc["fields"]["subject"] == "Quyết định"
    assert run(argv) == 0  # same files again: nothing new
    assert "unchanged" in capsys.readouterr().out
    assert run(["--config", str(config), "archive", "check", "--deep", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["signatures_checked"] == 2 and report["documents"] == 2
    assert run(["--config", str(config), "archive", "stats", "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("\ufeffperiod,")  # UTF-8 with a BOM for Excel
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0]["documents"] == "2" and rows[0]["signed"] == "2" and rows[0]["pages"] == "2"
    assert run(["--config", str(config), "archive", "stats", "--by", "agency",
                "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"][0]["period"] == "H42"
    assert run(["--config", str(config), "--lang", "vi", "archive", "stats"]) == 0
    assert "trang" in capsys.readouterr().out


def test_failed_verification_is_refused_unless_forced(env, capsys) -> None:
    config, root, paths = env
    base = ["--config", str(config), "archive", "add", "--record", "H42.2025.HS08"]
    assert run([*base, str(paths["tampered"])]) == ExitCode.VERIFY_FAILED
    assert "refused" in capsys.readouterr().err
    assert run([*base, str(paths["good"]), str(paths["tampered"])]) == ExitCode.PARTIAL
    assert run([*base, "--force-unverified", str(paths["tampered"])]) == 0
    with Archive.open(root, agency_code="H42", writer=False) as a:
        verdicts = sorted(d["verdict"] for d in a.state.documents())
    assert verdicts == ["TOTAL_FAILED", "TOTAL_PASSED"]
    # the deep check now reports the archived file whose signature fails, saying it was
    # archived so on purpose (its bytes did not change: no backup to restore)
    assert run(["--config", str(config), "archive", "check", "--archive", str(root), "--deep"]) == \
        ExitCode.ARCHIVE_INTEGRITY
    out = capsys.readouterr().out
    assert "signature verification failed" in out and "archived unverified on request" in out
    assert "backup" not in out


def test_check_finds_a_flipped_byte(env, capsys) -> None:
    config, root, paths = env
    assert run(["--config", str(config), "archive", "add", "--record", "H42.2025.HS09",
                str(paths["good"])]) == 0
    pdf = next(root.rglob("H42.2025.HS09.0000001.pdf"))
    pdf.chmod(0o644)
    data = bytearray(pdf.read_bytes())
    data[100] ^= 0xFF
    pdf.write_bytes(bytes(data))
    capsys.readouterr()
    assert run(["--config", str(config), "archive", "check"]) == ExitCode.ARCHIVE_INTEGRITY
    out = capsys.readouterr().out
    assert "H42.2025.HS09.0000001.pdf" in out and "SHA-256 differs" in out
    assert run(["--config", str(config), "--lang", "vi", "archive", "check"]) == \
        ExitCode.ARCHIVE_INTEGRITY
    assert "SHA-256" in capsys.readouterr().out


def test_unsafe_record_code_and_busy_archive(env, capsys) -> None:
    config, root, paths = env
    assert run(["--config", str(config), "archive", "add", "--record", "../../x",
                "--force-unverified", str(paths["good"])]) == ExitCode.INPUT
    assert "../../x" in capsys.readouterr().err
    with Archive.open(root, agency_code="H42"):
        assert run(["--config", str(config), "archive", "add", "--record", "H42.2025.HS10",
                    str(paths["good"])]) == ExitCode.ARCHIVE_BUSY
        assert run(["--config", str(config), "archive", "check"]) == ExitCode.ARCHIVE_BUSY


def test_a_file_that_cannot_be_archived_is_refused_alone(env, capsys, tmp_path) -> None:
    """An encrypted PDF among signed ones (DSS's and iText's test files hold such): it is
    refused with its reason, the others are archived (it used to stop the command with an
    internal error)."""
    import pikepdf

    config, root, paths = env
    encrypted = tmp_path / "encrypted.pdf"
    with pikepdf.open(paths["good"]) as pdf:
        pdf.save(encrypted, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    code = run(["--config", str(config), "archive", "add", "--record", "H42.2025.HS11",
                "--force-unverified", "--json", str(encrypted), str(paths["good"])])
    captured = capsys.readouterr()
    assert code == ExitCode.PARTIAL, captured.err
    assert "encrypted.pdf: the PDF is encrypted with a password" in captured.err
    rows = json.loads(captured.out)["documents"]
    assert [(r["status"], r.get("error", {}).get("code")) for r in rows] == [
        ("refused", "pdf_encrypted"), ("archived", None)]


def test_a_file_that_is_no_pdf_is_named_for_what_it_is(env, capsys, tmp_path) -> None:
    """A scan image or a note given to `archive add` by mistake: refused with what it is
    and what to do; a damaged PDF's reason does not repeat its path."""
    from PIL import Image

    config, _root, paths = env
    scan, note, broken = tmp_path / "scan.webp", tmp_path / "note.txt", tmp_path / "cut.pdf"
    Image.new("L", (64, 64), 255).save(scan, "WEBP")
    note.write_text("ghi chú")
    broken.write_bytes(b"%PDF-1.7\nnothing else")
    code = run(["--lang", "en", "--config", str(config), "archive", "add", "--record",
                "H42.2025.HS12", "--force-unverified", "--json", str(scan), str(note),
                str(broken)])
    captured = capsys.readouterr()
    assert code == ExitCode.INPUT, captured.err
    rows = json.loads(captured.out)["documents"]
    assert [r["error"]["code"] for r in rows] == ["not_a_pdf", "not_a_pdf", "pdf_unreadable"]
    assert "scan.webp: this is a scanned image (WEBP), not a PDF" in captured.err
    assert "`trams ocr`" in rows[0]["error"]["hint"]
    assert str(broken) + ": cannot read the file as a PDF (" in captured.err
    assert captured.err.count(str(broken)) == 1
