"""`trams run` through a real Dask cluster: a scheduler and two workers as processes on
127.0.0.1 (`dask scheduler`, `trams cluster worker`), the demo PKI, the sample inbox.

Each test acts at a moment of the run it sees in the run's JSON events (never after a
fixed sleep): workers started once the run says it waits for them, a worker killed once it
has reported a page, the scheduler killed once a document is archived."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.dask_cluster import (
    WatchedRun,
    start_scheduler,
    start_worker,
    wait_for_workers,
)
from support.runs import archived_pdfs, pdfsig, sample_inbox, state_rows, write_run_config

pytestmark = pytest.mark.slow

DOCS = ("01-quyet-dinh", "02-cong-van", "03-to-trinh")  # 3 documents, 4 pages


def _cluster_config(tmp_path: Path, pki, address: str | None) -> tuple[Path, Path, Path]:
    inbox = sample_inbox(tmp_path / "inbox")
    archive = tmp_path / "archive"
    extra = f'[cluster]\nscheduler = "{address}"\nworker_wait_seconds = 300\n' \
        if address else ""
    return write_run_config(tmp_path, pki, inbox=inbox, archive=archive, extra=extra), \
        inbox, archive


def _archived_exactly_once(inbox: Path, archive: Path, cfg: Path) -> None:
    rows = state_rows(archive, "SELECT source_hash, stage FROM documents")
    assert len(rows) == 3 and all(r[1] == "done" for r in rows), rows
    pdfs = archived_pdfs(archive)
    assert len(pdfs) == 3 and not any(".v" in p.name for p in pdfs), pdfs
    assert sorted(p.name for p in (inbox / ".done").iterdir()) == sorted(DOCS)
    assert not (inbox / ".failed").exists() or not list((inbox / ".failed").iterdir())
    check = subprocess.run([sys.executable, "-m", "trams", "--config", str(cfg), "archive",
                            "check", "--deep", str(archive)], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr


def test_run_on_workers_that_join_late_is_signed_verified_archived(pki, tmp_path) -> None:
    """[cluster] in trams.toml; no worker when the run starts: it waits, says so, and
    takes both workers as they join."""
    scheduler, address = start_scheduler(tmp_path)
    workers = []
    try:
        cfg, inbox, archive = _cluster_config(tmp_path, pki, address)
        run = WatchedRun(cfg, "run", "--move-done", "--json")
        run.wait_for(lambda e: e["event"] == "log" and e["logger"] == "trams.scanning.cluster",
                     timeout=180, what="the run waiting for a worker")
        workers = [start_worker(tmp_path, address, name) for name in ("w0", "w1")]
        code, summary, events = run.finish()
        assert code == 0, events[-5:]
        assert summary["totals"]["archived"] == {"documents": 3, "pages": 4}
        pages = [e for e in events if e["event"] == "page_done"]
        assert len(pages) == 4 and {e["worker"] for e in pages} <= {"w0", "w1"}
        assert sum(summary["workers"].values()) == 4 and set(summary["workers"]) <= {"w0", "w1"}
        for pdf in archived_pdfs(archive):
            out = pdfsig(pdf)
            assert out.count("Signature is Valid.") == 2, (pdf, out)
        assert all(d["verification"] == "TOTAL_PASSED" for d in summary["documents"])
        _archived_exactly_once(inbox, archive, cfg)
    finally:
        for proc in [*workers, scheduler]:
            proc.stop()


def test_a_worker_killed_mid_run_loses_no_page(pki, tmp_path) -> None:
    """--cluster on the command line; one worker (nanny and all) SIGKILLed once it has
    reported a page, while it holds more: Dask runs its pages on the other, and every
    document is archived exactly once."""
    scheduler, address = start_scheduler(tmp_path)
    workers = {name: start_worker(tmp_path, address, name) for name in ("wa", "wb")}
    try:
        wait_for_workers(address, set(workers), list(workers.values()))
        cfg, inbox, archive = _cluster_config(tmp_path, pki, None)
        run = WatchedRun(cfg, "run", "--move-done", "--json", "--cluster", address)
        first = run.wait_for(lambda e: e["event"] == "page_done", timeout=240,
                             what="a page done")
        victim = first["worker"]
        workers[victim].kill()
        survivor = ({"wa", "wb"} - {victim}).pop()
        code, summary, events = run.finish()
        assert code == 0, events[-5:]
        assert summary["totals"]["archived"] == {"documents": 3, "pages": 4}
        done = summary["workers"]
        assert sum(done.values()) == 4, done
        assert done[survivor] >= 4 - done[victim] and done[victim] < 4, done
        assert not workers[victim].alive() and workers[survivor].alive()
        _archived_exactly_once(inbox, archive, cfg)
    finally:
        for proc in [*workers.values(), scheduler]:
            proc.stop()


def test_scheduler_gone_stops_the_run_and_a_rerun_finishes(pki, tmp_path) -> None:
    """The scheduler killed once a document is archived: the run stops with exit 16, the
    archived document's folder in .done, the others left in the inbox (not .failed). The
    scheduler started again, the same `trams cluster worker` joins it again by itself, and
    the rerun archives the rest, each document once."""
    scheduler, address = start_scheduler(tmp_path)
    worker = start_worker(tmp_path, address, "w0")
    port = int(address.rsplit(":", 1)[1])
    try:
        wait_for_workers(address, {"w0"}, [worker])
        cfg, inbox, archive = _cluster_config(tmp_path, pki, address)
        run = WatchedRun(cfg, "run", "--move-done", "--json")
        run.wait_for(lambda e: e["event"] == "document_archived", timeout=240,
                     what="a document archived")
        scheduler.kill()
        code, summary, events = run.finish()
        assert code == 16, events[-5:]
        assert summary["aborted"]["error"] == "ClusterError"
        assert "scheduler" in summary["aborted"]["message"]
        totals = summary["totals"]
        assert totals["archived"]["documents"] >= 1 and totals["failed"]["documents"] == 0
        assert totals["not_started"]["documents"] >= 1
        assert events[-1]["event"] == "run_finished"
        assert [e["event"] for e in events].count("run_aborted") == 1
        left = sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))
        assert len(left) == totals["not_started"]["documents"]
        assert not (inbox / ".failed").exists() or not list((inbox / ".failed").iterdir())

        scheduler, _same = start_scheduler(tmp_path, port)
        wait_for_workers(address, {"w0"}, [worker])  # `trams cluster worker` rejoins
        rerun = WatchedRun(cfg, "run", "--move-done", "--json")
        code, summary, events = rerun.finish()
        assert code == 0, events[-5:]
        assert summary["totals"]["archived"]["documents"] == len(left)
        _archived_exactly_once(inbox, archive, cfg)
    finally:
        for proc in (worker, scheduler):
            proc.stop()
