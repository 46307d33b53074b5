"""`trams run` when something is wrong: a broken scan, a bad key, a busy archive, a bad
config; and --dry-run. Each case: the right exit code, a clear reason, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.runs import P12_ENV, archived_pdfs, sample_inbox, write_run_config
from trams.cli.main import run

from trams.archive import Archive


def _summary(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_broken_scan_fails_alone_with_a_reason_file_in_vietnamese(pki, tmp_path, capsys) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh", "03-to-trinh"))
    (inbox / "04-hong").mkdir()
    (inbox / "04-hong" / "page1.tif").write_bytes(b"II*\x00" + b"\x13\x37" * 500)  # torn
    (inbox / "05-mo").mkdir()  # scanned at 100 dpi: under the Circular's 200 dpi floor
    from PIL import Image
    from support.runs import SAMPLES

    with Image.open(SAMPLES / "03-to-trinh" / "page1.png") as page:
        page.convert("L").resize((827, 1170)).save(inbox / "05-mo" / "page1.png",
                                                   dpi=(100, 100))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    code = run(["--lang", "vi", "--config", str(cfg), "run", "--json", "--log-format", "json"])
    summary = _summary(capsys)
    assert code == 5  # ExitCode.PARTIAL: some failed, the rest archived
    assert summary["totals"]["archived"]["documents"] == 2
    assert len(archived_pdfs(tmp_path / "archive")) == 2
    failed = inbox / ".failed"
    assert sorted(p.name for p in failed.iterdir()) == [
        "04-hong", "04-hong.reason.txt", "05-mo", "05-mo.reason.txt"]
    torn = (failed / "04-hong.reason.txt").read_text(encoding="utf-8")
    assert "page1.tif" in torn and "Cách khắc phục" in torn, torn
    low = (failed / "05-mo.reason.txt").read_text(encoding="utf-8")
    assert "100" in low and "200" in low, low
    # the good ones stay where they were (inputs are moved only on request)
    assert (inbox / "01-quyet-dinh" / "page1.tif").is_file()
    # rerun: the good ones are skipped, nothing fails any more
    assert run(["--config", str(cfg), "run", "--json", "--log-format", "json"]) == 0
    assert _summary(capsys)["totals"]["skipped"]["documents"] == 2


def test_dry_run_touches_nothing_and_needs_no_secret(pki, tmp_path, capsys,
                                                     monkeypatch) -> None:
    inbox = sample_inbox(tmp_path / "inbox")
    before = sorted(p.relative_to(inbox) for p in inbox.rglob("*"))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    monkeypatch.delenv(P12_ENV)
    assert run(["--config", str(cfg), "run", "--dry-run", "--json",
                "--log-format", "json"]) == 0
    summary = _summary(capsys)
    assert summary["totals"]["planned"] == {"documents": 3, "pages": 4}
    assert [d["stem"] for d in summary["documents"]][0] .startswith("H42.01.")
    assert not (tmp_path / "archive").exists()
    assert sorted(p.relative_to(inbox) for p in inbox.rglob("*")) == before


def test_wrong_passphrase_stops_before_any_ocr(pki, tmp_path, capsys, monkeypatch) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    monkeypatch.setenv(P12_ENV, "not the passphrase")
    assert run(["--config", str(cfg), "run", "--json", "--log-format", "json"]) == 7
    summary = _summary(capsys)
    assert summary["aborted"]["error"] == "KeyAccessError"
    assert summary["timings"]["ocr_wait"] == 0.0
    assert "not the passphrase" not in json.dumps(summary)
    assert (inbox / "01-quyet-dinh" / "page1.tif").is_file()
    assert not archived_pdfs(tmp_path / "archive")


def test_unreachable_tsa_is_a_network_error(pki, tmp_path, capsys) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                           tsa="http://127.0.0.1:9/tsa")
    assert run(["--config", str(cfg), "run", "--json", "--log-format", "json"]) == 9
    assert _summary(capsys)["aborted"]["error"] == "NetworkError"


def test_missing_secret_variable_is_a_configuration_error(pki, tmp_path, capsys,
                                                          monkeypatch) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    monkeypatch.delenv(P12_ENV)
    assert run(["--config", str(cfg), "run", "--log-format", "json"]) == 3
    assert P12_ENV in capsys.readouterr().err


def test_another_run_holding_the_archive_gets_exit_13(pki, tmp_path, capsys) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh",))
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    with Archive.open(archive, agency_code="H42.01"):
        assert run(["--config", str(cfg), "run", "--json", "--log-format", "json"]) == 13
    assert _summary(capsys)["aborted"]["error"] == "ArchiveBusyError"
    assert (inbox / "01-quyet-dinh" / "page1.tif").is_file()


def test_unknown_config_key_names_key_and_line(pki, tmp_path, capsys) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                           extra="jobz = 3")
    assert run(["--config", str(cfg), "run"]) == 3
    err = capsys.readouterr().err
    assert "jobz" in err and "line 2" in err, err


def test_missing_inbox_is_an_input_error(pki, tmp_path, capsys) -> None:
    cfg = write_run_config(tmp_path, pki, inbox=tmp_path / "nowhere",
                           archive=tmp_path / "archive")
    assert run(["--config", str(cfg), "run", "--json", "--log-format", "json"]) == 4
    assert "nowhere" in _summary(capsys)["aborted"]["line"]


def test_reason_text_is_translated(tmp_path) -> None:
    from trams.errors import InputError
    from trams.i18n import using_language
    from trams.pipeline.inbox import reason_text

    error = InputError("x", path=Path("a.tif"), hint="y")
    with using_language("vi"):
        text = reason_text(Path("a.tif"), [("a.tif", error)], inbox=tmp_path, archived=[])
    assert "Văn bản: a.tif" in text and "Cách khắc phục: y" in text
    assert "Mã lỗi: input_unusable" in text


def test_a_signed_document_that_fails_the_policy_is_not_archived(pki, tmp_path, capsys) -> None:
    """The agency key is UBND xã Trà My's but trams.toml names another agency: the vn-dual
    check after signing fails, so the document goes to .failed instead of the archive."""
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    cfg.write_text(cfg.read_text("utf-8").replace('name = "UBND xã Trà My"',
                                                  'name = "UBND xã Trà Bui"'), "utf-8")
    assert run(["--config", str(cfg), "run", "--json", "--log-format", "json"]) == 5
    doc = _summary(capsys)["documents"][0]
    assert doc["status"] == "failed" and doc["error"] == "SigningError"
    assert "UBND xã Trà Bui" in doc["message"]
    assert not archived_pdfs(tmp_path / "archive")
    assert (inbox / ".failed" / "03-to-trinh.reason.txt").is_file()


@pytest.mark.slow
def test_document_failing_the_quality_gate_is_not_archived(pki, tmp_path, capsys) -> None:
    """No text recognized (a photograph, drawn rings): the document is refused with the
    reason and the fix, set aside in .failed/, and never signed or archived."""
    from support.pages import textless_page

    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh",))
    (inbox / "09-hinh").mkdir()
    textless_page(inbox / "09-hinh" / "page1.png")
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    assert run(["--config", str(cfg), "run", "--json", "--log-format", "json"]) == 5
    summary = _summary(capsys)
    assert summary["totals"]["archived"]["documents"] == 1
    failed = [d for d in summary["documents"] if d["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["code"] == "ocr_quality_failed", failed
    assert len(archived_pdfs(tmp_path / "archive")) == 1
    reason = (inbox / ".failed" / "09-hinh.reason.txt").read_text(encoding="utf-8")
    assert "page1.png" in reason and "no text recognized" in reason, reason
