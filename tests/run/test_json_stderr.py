"""Automation can trust what TRAMS prints (issue 13, item 6).

In JSON modes stderr carries only JSON events: a library's log line or a Python warning
is a ``log`` event (in the log file too), never a bare line or a traceback, also when the
run is stopped by SIGTERM or meets a full disk. Every ending writes the JSON summary on
stdout and, once the archive exists, a log file, exit 3 included. `trams ocr` refuses to
overwrite, `trams coversheet` refuses what `trams run` would refuse.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support.hostile import good_page, save_page, tiff_with_bad_tag
from support.runs import P12_ENV, SAMPLES, json_lines, sample_inbox, write_run_config
from trams.cli.main import run

DEAD_TSA = "http://127.0.0.1:9/tsa"  # nothing listens on the discard port


def _json_only(stderr: str) -> list[dict]:
    """Every stderr line parses as a JSON event (the assertion of this file)."""
    events = []
    for line in stderr.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line on stderr: {line!r}\n{stderr[-3000:]}") \
                from None
    return events


def _popen(cfg: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "trams", "--config", str(cfg), "run",
                             "--json", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_log_lines_warnings_and_sigterm_stay_json(pki, tmp_path) -> None:
    """The first TSA is down (pyHanko's fallback logs a warning), a TIFF makes Pillow warn;
    the run is stopped by SIGTERM after its first page, then finished by a rerun."""
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    page = good_page(random.Random(7), set())
    tiff_with_bad_tag(page, inbox / "04-canh-bao.tif")
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive, grouping="file")
    text = cfg.read_text("utf-8")
    cfg.write_text(text.replace(f'urls = ["{pki.tsa_url()}"]',
                                f'urls = ["{DEAD_TSA}", "{pki.tsa_url()}"]'), "utf-8")
    proc = _popen(cfg)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if '"page_done"' in line:
            proc.send_signal(signal.SIGTERM)
            proc.send_signal(signal.SIGTERM)  # twice: the report is not cut short
            break
    out, rest = proc.communicate(timeout=180)
    assert proc.returncode == 130, "".join(lines) + rest
    events = _json_only("".join(lines) + rest)
    logs = [e for e in events if e["event"] == "log"]
    assert any("did not answer" in e["message"] and DEAD_TSA in e["message"] for e in logs), logs
    assert any(e["logger"] == "py.warnings" and "Tag data larger" in e["message"]
               for e in logs), logs
    assert events[-1]["event"] == "run_finished"
    summary = json.loads(out)
    assert summary["interrupted"] is True
    log_events = [e["event"] for e in json_lines(Path(summary["log_file"]).read_text("utf-8"))]
    assert "log" in log_events and log_events[-1] == "run_finished"

    proc = _popen(cfg)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    _json_only(err)
    assert json.loads(out)["totals"]["archived"]["documents"] == 2


@pytest.fixture
def small_archive_fs(tmp_path: Path):
    """A small tmpfs for the archive (a real file system that fills up)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_stops_the_run_in_json_with_exit_15(pki, tmp_path, small_archive_fs) -> None:
    """The archive's disk has room for its state, not for the run's page images. Before,
    each page's worker printed a traceback and the documents were set aside in .failed as
    if they were broken (exit 5). Now the run stops with exit 15, stderr is JSON only, and
    the inbox is left as it was for the rerun."""
    from trams.archive import Archive

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rng = random.Random(11)
    used: set = set()
    for n in range(2):
        save_page(good_page(rng, used), inbox / f"page{n}.png", "png")
    archive = small_archive_fs / "archive"
    with Archive.open(archive, agency_code="H42.01"):
        pass
    free = os.statvfs(small_archive_fs)
    filler = small_archive_fs / "filler"
    filler.write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 96 * 1024))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive, grouping="file")
    proc = _popen(cfg, "--log-format", "json")
    out, err = proc.communicate(timeout=300)
    events = _json_only(err)
    assert proc.returncode == 15, err[-3000:]
    summary = json.loads(out)
    assert summary["aborted"]["error"] == "StorageError", summary["aborted"]
    assert "disk is full" in summary["aborted"]["message"]
    assert not summary["moved"]  # nothing set aside as broken: the documents wait
    assert {d["status"] for d in summary["documents"]} == {"not_started"}
    assert sorted(p.name for p in inbox.iterdir()) == [".failed", "page0.png", "page1.png"]
    assert not any((inbox / ".failed").iterdir())
    assert events[-1]["event"] == "run_finished"


def test_exit_3_writes_the_json_summary_and_the_log(pki, tmp_path, monkeypatch) -> None:
    """A key's secret is missing: stopped before any work, with the summary on stdout and,
    as the archive exists, a log file in it."""
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    assert run(["--config", str(cfg), "run", "--dry-run", "--log-format", "json"]) == 0
    from trams.archive import Archive

    with Archive.open(archive, agency_code="H42.01"):
        pass  # the archive exists
    monkeypatch.delenv(P12_ENV)
    proc = _popen(cfg, "--log-format", "json")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    events = _json_only(err)
    assert [e["event"] for e in events] == ["run_started", "run_aborted", "run_finished"]
    summary = json.loads(out)
    assert summary["kind"] == "run" and summary["exit_code"] == 3
    assert P12_ENV in summary["aborted"]["message"]
    log = Path(summary["log_file"])
    assert log.parent == archive / ".trams" / "logs"
    assert [e["event"] for e in json_lines(log.read_text("utf-8"))] == [
        "run_started", "run_aborted", "run_finished"]


def test_exit_3_from_an_unreadable_config_is_json_too(tmp_path) -> None:
    cfg = tmp_path / "trams.toml"
    cfg.write_text("[inbox]\npath = \"inbox\"\nmove_failed = maybe\n", "utf-8")
    proc = subprocess.run([sys.executable, "-m", "trams", "--config", str(cfg), "run", "--json"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    events = _json_only(proc.stderr)
    assert events[-1]["event"] == "run_finished" and events[-1]["exit_code"] == 3
    summary = json.loads(proc.stdout)
    assert summary["aborted"]["error"] == "ConfigError" and summary["log_file"] is None


def test_verbose_adds_details_not_library_narration_and_stays_json(tmp_path) -> None:
    """--verbose in JSON mode: Pillow's every-tag TIFF debug lines (91 for one page) and
    pikepdf's start-up line (once printed as bare text before the run took over stderr)
    stay out; the run's events are all there is."""
    from PIL import Image

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    Image.open(SAMPLES / "03-to-trinh" / "page1.png").save(
        inbox / "page1.tif", compression="tiff_lzw", dpi=(300, 300))
    cfg = tmp_path / "trams.toml"
    cfg.write_text('[agency]\nname = "UBND xã Trà My"\ncode = "H42.01"\n'
                   '[inbox]\npath = "inbox"\ngrouping = "file"\n'
                   '[archive]\npath = "archive"\n', "utf-8")
    proc = subprocess.run([sys.executable, "-m", "trams", "--verbose", "--config", str(cfg),
                           "run", "--dry-run", "--json", "--log-format", "json"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    events = _json_only(proc.stderr)
    narration = [e for e in events if e["event"] == "log"
                 and e["logger"].split(".")[0] in ("PIL", "pikepdf", "fontTools")]
    assert not narration, narration[:3]
    assert [e["event"] for e in events] == ["run_started", "document_planned", "planned",
                                           "run_finished"]


def test_font_internals_are_not_a_clerks_warning() -> None:
    """fontTools warns about a font's 'modified' date or table checksum while a Word
    export is checked for PDF/A (seen on LibreOffice's fonts): nothing a clerk can act on.
    Pillow's and pikepdf's warnings about the file still show."""
    from trams.cli.root import configure_logging

    configure_logging(verbose=True)
    assert not logging.getLogger("fontTools.ttLib.tables._h_e_a_d").isEnabledFor(
        logging.WARNING)
    assert logging.getLogger("fontTools.ttLib").isEnabledFor(logging.ERROR)
    assert logging.getLogger("PIL.TiffImagePlugin").isEnabledFor(logging.WARNING)
    assert not logging.getLogger("PIL.TiffImagePlugin").isEnabledFor(logging.INFO)


def test_ocr_refuses_to_overwrite_without_force(tmp_path, capsys) -> None:
    page = tmp_path / "in" / "scan.png"
    page.parent.mkdir()
    save_page(good_page(random.Random(5), set()), page, "png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "scan.pdf").write_bytes(b"%PDF- an earlier result")
    code = run(["ocr", str(page), "-o", str(out), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 4
    assert report["failures"][0]["path"] == str(out / "scan.pdf")
    assert "--force" in report["failures"][0]["hint"]
    assert (out / "scan.pdf").read_bytes() == b"%PDF- an earlier result"


@pytest.mark.slow
def test_ocr_force_replaces_with_the_usual_modes(tmp_path, capsys) -> None:
    page = tmp_path / "in" / "scan.png"
    page.parent.mkdir()
    save_page(good_page(random.Random(5), set()), page, "png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "scan.pdf").write_bytes(b"%PDF- an earlier result")
    previous = os.umask(0o022)
    try:
        assert run(["ocr", str(page), "-o", str(out), "--force", "--sidecar"]) == 0
    finally:
        os.umask(previous)
    capsys.readouterr()
    assert (out / "scan.pdf").read_bytes().startswith(b"%PDF-1.")
    assert (out / "scan.pdf").stat().st_mode & 0o777 == 0o644
    assert (out / "scan.txt").stat().st_mode & 0o777 == 0o644  # was 0600


@pytest.mark.parametrize("record", ["../../x", "/etc/passwd", "H42%2F", ".hidden", "CON"])
def test_coversheet_refuses_what_run_would_refuse(tmp_path, capsys, record) -> None:
    sheet = tmp_path / "sheet.pdf"
    code = run(["coversheet", "-o", str(sheet), "--record", record])
    err = capsys.readouterr().err
    assert code == 4, err
    assert record in err or record.strip("/") in err
    assert not sheet.exists()


def test_coversheet_accepts_a_good_record_code(tmp_path, capsys) -> None:
    sheet = tmp_path / "sheet.pdf"
    assert run(["coversheet", "-o", str(sheet), "--record", "000.00.00.H42-221125-0001"]) == 0
    assert sheet.is_file()

