"""A run's machine codes: the same in Vietnamese and English, documented, in the events, the
summary and the reason files; page_done events count pages; a run's hints name trams.toml
settings; --dry-run finds without OCR what the run would refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from support.codes import documented_codes
from support.runs import SAMPLES, json_lines, write_run_config
from trams.cli.main import run


def _inbox(root: Path) -> Path:
    """hs 01: a good scan under a name with spaces; hs-02: 150 dpi; hs-03: a torn JPEG
    whose header reads well; ghi-chu.txt: not a scan."""
    inbox = root / "inbox"
    for name in ("hs 01", "hs-02", "hs-03"):
        (inbox / name).mkdir(parents=True)
    (inbox / "hs 01" / "trang1.tif").write_bytes(
        (SAMPLES / "01-quyet-dinh" / "page1.tif").read_bytes())
    with Image.open(SAMPLES / "03-to-trinh" / "page1.png") as page:
        page.convert("L").resize((1240, 1754)).save(inbox / "hs-02" / "trang1.png",
                                                     dpi=(150, 150))
    jpeg = (SAMPLES / "02-cong-van" / "page1.jpg").read_bytes()
    (inbox / "hs-03" / "trang1.jpg").write_bytes(jpeg[:3000])
    (inbox / "ghi-chu.txt").write_text("ghi chú của cán bộ", encoding="utf-8")
    return inbox


def _codes(events: list[dict]) -> list[tuple[str, str, str]]:
    """(event, the document or file it is about, code) of every coded event but logs."""
    return sorted((e["event"], e.get("document") or e.get("name") or Path(e["path"]).name,
                   e["code"]) for e in events if "code" in e and e["event"] != "log")


def _run(tmp_path: Path, pki, lang: str, capsys, *extra: str) -> tuple[int, dict, list]:
    inbox = _inbox(tmp_path)
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    code = run(["--lang", lang, "--config", str(cfg), "run", "--json", "--log-format", "json",
                "-j", "1", *extra])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), json_lines(captured.err)


@pytest.mark.slow
def test_codes_are_the_same_in_both_languages_and_documented(pki, tmp_path, capsys) -> None:
    runs = {lang: _run(tmp_path / lang, pki, lang, capsys) for lang in ("vi", "en")}
    (code_vi, summary_vi, events_vi), (code_en, summary_en, events_en) = runs.values()
    assert code_vi == code_en == 5
    assert _codes(events_vi) == _codes(events_en)
    failed = {d["name"]: d for d in summary_vi["documents"] if d["status"] == "failed"}
    assert {n: d["code"] for n, d in failed.items()} == {"hs-02": "dpi_too_low",
                                                         "hs-03": "input_unreadable"}
    english = {d["name"]: d for d in summary_en["documents"] if d["status"] == "failed"}
    assert failed["hs-02"]["message"] != english["hs-02"]["message"]  # translated...
    codes = {c for *_rest, c in _codes(events_vi)}
    assert {"dpi_too_low", "input_unreadable", "record_code_awkward", "not_a_scan"} <= codes
    assert codes <= set(documented_codes())  # ...and every code is in docs/codes.md
    # every event with a message has a code
    assert all("code" in e for e in events_vi if "message" in e)
    # page_done: the page and the document's page count
    pages = [e for e in events_vi if e["event"] == "page_done"]
    assert {(e["document"], e["page"], e["pages"]) for e in pages} >= {("hs 01", 1, 1)}
    # a run's hint names the trams.toml setting, never `trams ocr`'s option
    hint = failed["hs-02"]["hint"]
    assert "accept_low_dpi = true" in hint and "[inbox]" in hint and "--accept" not in hint
    reason = (tmp_path / "vi" / "inbox" / ".failed" / "hs-02.reason.txt").read_text("utf-8")
    assert "Mã lỗi: dpi_too_low" in reason and "accept_low_dpi" in reason
    assert "--accept-low-dpi" not in reason
    # the record code with spaces was archived, with a warning saying how to fix the name
    (archived,) = [d for d in summary_vi["documents"] if d["status"] == "archived"]
    assert [w["code"] for w in archived["warnings"]] == ["record_code_awkward"]
    assert "hs-01" in archived["warnings"][0]["hint"]
    assert summary_vi["ignored"] == [str(tmp_path / "vi" / "inbox" / "ghi-chu.txt")]


def test_dry_run_finds_what_the_run_would_refuse_without_ocr(pki, tmp_path, capsys,
                                                            monkeypatch) -> None:
    inbox = _inbox(tmp_path)
    before = sorted(p.relative_to(inbox) for p in inbox.rglob("*"))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    code = run(["--lang", "vi", "--config", str(cfg), "run", "--dry-run", "--json",
                "--log-format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 5  # what the run would end with
    by_name = {d["name"]: d for d in summary["documents"]}
    assert by_name["hs-02"]["status"] == "failed" and by_name["hs-02"]["code"] == "dpi_too_low"
    assert "accept_low_dpi" in by_name["hs-02"]["hint"]
    assert by_name["hs-03"]["code"] == "input_unreadable" and by_name["hs-03"]["hint"]
    planned = by_name["hs 01"]
    assert planned["status"] == "planned"
    (warning,) = planned["warnings"]
    assert warning["code"] == "record_code_awkward" and "hs-01" in warning["hint"]
    assert summary["ignored"] == [str(inbox / "ghi-chu.txt")]
    assert sorted(p.relative_to(inbox) for p in inbox.rglob("*")) == before  # untouched
    # the same in text, one line per file with its code
    assert run(["--lang", "vi", "--config", str(cfg), "run", "--dry-run",
                "--log-format", "text"]) == 5
    out = capsys.readouterr().out
    assert "[dpi_too_low]" in out and "[input_unreadable]" in out
    assert "[record_code_awkward]" in out and "ghi-chu.txt" in out and "[not_a_scan]" in out
    assert "sẽ không đạt" in out


def test_a_run_refused_for_a_missing_secret_names_the_setting(pki, tmp_path, capsys,
                                                               monkeypatch) -> None:
    from support.runs import P12_ENV

    inbox = _inbox(tmp_path)
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    cfg.write_text(cfg.read_text("utf-8").replace(f'secret_env = "{P12_ENV}"', ""), "utf-8")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code = run(["--lang", "vi", "--config", str(cfg), "run", "--json", "--log-format", "json"])
    aborted = json.loads(capsys.readouterr().out)["aborted"]
    assert code == 7 and aborted["code"] == "secret_missing"
    assert "người có thẩm quyền" in aborted["message"]  # the role by its name
    assert "secret_env" in aborted["hint"] and "--" not in aborted["hint"]
