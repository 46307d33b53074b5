"""`trams run` as a cron job (no terminal, secrets from the environment, JSON out) and
killed with SIGKILL at varied points, then rerun: every document archived exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.runs import archived_pdfs, json_lines, sample_inbox, state_rows, write_run_config


def trams(cfg: Path, *args: str, env: dict | None = None, timeout: float = 300,
          **popen) -> subprocess.CompletedProcess:
    """`python -m trams --config cfg ...` with no terminal and nothing on stdin."""
    return subprocess.run([sys.executable, "-m", "trams", "--config", str(cfg), *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, **popen)


@pytest.mark.slow
def test_cron_run_logs_json_and_never_waits_for_input(pki, tmp_path, run_secrets) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh", "03-to-trinh"))
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    done = trams(cfg, "run", "--json", timeout=240)  # auto log format: no tty -> JSON
    assert done.returncode == 0, done.stderr[-2000:]
    events = json_lines(done.stderr)  # every stderr line is a JSON event
    names = [e["event"] for e in events]
    assert names[0] == "run_started" and names[-1] == "run_finished"
    assert names.count("document_archived") == 2 and "page_done" in names
    summary = json.loads(done.stdout)
    assert summary["kind"] == "run" and summary["exit_code"] == 0
    assert set(summary["timings"]) >= {"ocr_wait", "pdfa", "sign", "verify", "archive"}
    log = Path(summary["log_file"])
    assert log.parent == archive / ".trams" / "logs"
    assert [e["event"] for e in json_lines(log.read_text("utf-8"))] == names
    for text in (done.stdout, done.stderr, log.read_text("utf-8")):
        assert run_secrets["p12"] not in text

    # without the secret in the environment it stops at once (no prompt without a tty)
    env = {k: v for k, v in os.environ.items() if k != "TRAMS_RUN_P12"}
    failed = subprocess.run([sys.executable, "-m", "trams", "--config", str(cfg), "run"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=60, env=env)
    assert failed.returncode == 3 and "TRAMS_RUN_P12" in failed.stderr


KILL_POINTS = [
    ("run.pdfa_written", 1), ("run.signed", 2), ("run.verified", 1), ("state.staged", 2),
    ("link.first", 1), ("journal.appended", 3), ("run.archived", 2), ("run.moved", 1),
]


def _check_exactly_once(inbox: Path, archive: Path, cfg: Path) -> None:
    rows = state_rows(archive, "SELECT source_hash, stage, pdf FROM documents")
    assert len(rows) == 3 and all(r[1] == "done" for r in rows), rows
    assert len({r[0] for r in rows}) == 3
    pdfs = archived_pdfs(archive)
    assert len(pdfs) == 3 and not any(".v" in p.name for p in pdfs), pdfs
    assert sorted(p.name for p in (inbox / ".done").iterdir()) == [
        "01-quyet-dinh", "02-cong-van", "03-to-trinh"]
    assert not [p for p in inbox.iterdir() if not p.name.startswith(".")]
    check = trams(cfg, "archive", "check", "--deep", "--archive", str(archive), timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("point", "nth"), KILL_POINTS, ids=[f"{p}@{n}" for p, n in KILL_POINTS])
def test_kill_at_a_point_then_rerun_archives_each_document_once(pki, tmp_path, point,
                                                                 nth) -> None:
    inbox = sample_inbox(tmp_path / "inbox")
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    killed = trams(cfg, "run", "--move-done", "--json", env={"TRAMS_FAULT": f"{point}@{nth}"})
    assert killed.returncode == -signal.SIGKILL, (point, killed.returncode, killed.stderr[-800:])
    rerun = trams(cfg, "run", "--move-done", "--json")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    _check_exactly_once(inbox, archive, cfg)


# (event, how many of them to wait for): the whole process group is killed a random moment
# after that event, while documents are still waiting, so every kill cuts a run short.
KILL_AFTER = [("page_done", 2), ("document_archived", 1)]


@pytest.mark.slow
@pytest.mark.parametrize(("event", "count"), KILL_AFTER, ids=[e for e, _ in KILL_AFTER])
def test_kill_9_of_the_process_group_then_rerun(pki, tmp_path, event, count) -> None:
    """Whole process group killed (workers too) at a random moment after an event of the
    run; the rerun archives each document exactly once."""
    import random

    rng = random.Random(f"{os.environ.get('TRAMS_TEST_SEED', '20261130')}-{event}")
    inbox = sample_inbox(tmp_path / "inbox")
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    proc = subprocess.Popen([sys.executable, "-m", "trams", "--config", str(cfg), "run",
                             "--move-done", "--json"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    seen = 0
    for line in proc.stderr:
        seen += f'"event": "{event}"' in line
        if seen >= count:
            break
    assert seen >= count, f"the run ended before {count} {event} events"
    time.sleep(rng.uniform(0.0, 0.5))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.stderr.close()
    assert proc.wait(timeout=60) == -signal.SIGKILL  # cut short, not finished
    rerun = trams(cfg, "run", "--move-done", "--json")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    _check_exactly_once(inbox, archive, cfg)


@pytest.mark.slow
def test_sigterm_stops_with_130_and_a_rerun_finishes(pki, tmp_path) -> None:
    inbox = sample_inbox(tmp_path / "inbox")
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    proc = subprocess.Popen([sys.executable, "-m", "trams", "--config", str(cfg), "run",
                             "--move-done", "--json"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:  # stop it once the first page is read
        if '"page_done"' in line:
            proc.send_signal(signal.SIGTERM)
            break
    out, _err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    summary = json.loads(out)
    assert summary["interrupted"] is True
    rerun = trams(cfg, "run", "--move-done", "--json")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    _check_exactly_once(inbox, archive, cfg)


@pytest.mark.slow
def test_kill_9_of_the_run_alone_stops_its_workers_quietly(pki, tmp_path) -> None:
    """The installed `trams` program (the script pip writes, as cron runs it) killed alone,
    its OCR workers and multiprocessing's resource tracker left behind: they end by
    themselves, and what they write to the shared stderr keeps it JSON lines (the
    tracker's "leaked semaphore objects" warning is turned off). The rerun finishes."""
    program = Path(sys.executable).with_name("trams")
    assert program.exists(), "the test environment installs the trams program"
    inbox = sample_inbox(tmp_path / "inbox")
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    proc = subprocess.Popen([program, "--config", str(cfg), "run", "--move-done", "--json",
                             "--log-format", "json"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if '"event": "page_done"' in line:
            break
    assert lines and '"page_done"' in lines[-1], "the run ended before its first page"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    # The pipe reaches its end when the last process holding it (a worker, the tracker)
    # has gone; a leftover would hold it open until the group is killed here.
    leftover = threading.Timer(60, os.killpg, (proc.pid, signal.SIGKILL))
    leftover.start()
    lines += proc.stderr.readlines()
    stopped_by_test = not leftover.is_alive()
    leftover.cancel()
    proc.stderr.close()
    assert not stopped_by_test, "a worker outlived the run by a minute"
    assert json_lines("".join(lines))  # every line a JSON event
    rerun = trams(cfg, "run", "--move-done", "--json")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    _check_exactly_once(inbox, archive, cfg)
