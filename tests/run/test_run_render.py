"""What `trams run` shows: the progress bar on a terminal, plain lines, JSON lines, and the
summary table, in English and Vietnamese (rendered from a recorded sequence of events)."""

from __future__ import annotations

import io
import json
import re

from rich.console import Console
from trams.cli.run_render import JsonLinesSink, ProgressSink, TextSink, print_summary

from trams.errors import InputError
from trams.i18n import using_language
from trams.models import DocumentStatus
from trams.pipeline import DocumentOutcome, RunSummary

EVENTS = [
    ("run_started", {"run_id": "r1", "inbox": "/in", "archive": "/ar", "dry_run": False}),
    ("planned", {"documents": 2, "pages": 3, "skipped": 1, "failed": 0}),
    ("page_done", {"document": "a"}),
    ("document_archived", {"name": "a", "status": "archived", "pages": 1,
                           "path": "/ar/x/a.pdf"}),
    ("page_done", {"document": "b"}),
    ("page_done", {"document": "b"}),
    ("document_failed", {"name": "b", "status": "failed", "pages": 2, "path": "/in/b/p1.tif",
                         "message": "cannot read", "hint": "Rescan it",
                         "line": "/in/b/p1.tif: cannot read. Rescan it"}),
]


def _summary() -> RunSummary:
    summary = RunSummary(run_id="r1", inbox="/in", archive="/ar", log_file="/ar/log.jsonl")
    summary.documents = [
        DocumentOutcome("a", DocumentStatus.ARCHIVED, 1, "h1", path="/ar/x/a.pdf"),
        DocumentOutcome("c", DocumentStatus.SKIPPED, 4, "h3"),
        DocumentOutcome("b", DocumentStatus.FAILED, 2, "h2",
                        error=InputError("cannot read", path="/in/b.tif", hint="Rescan it"))]
    summary.timings.update(ocr_wait=3.0, sign=0.4)
    summary.wall_seconds = 3.9
    return summary


def test_progress_bar_counts_documents_and_pages() -> None:
    buffer = io.StringIO()
    sink = ProgressSink(Console(file=buffer, force_terminal=True, width=120))
    for event, data in EVENTS:
        sink(event, data)
    assert sink.progress.tasks[sink.docs].completed == 2
    assert sink.progress.tasks[sink.pages].completed == 3
    assert sink.progress.tasks[sink.pages].total == 3
    sink("run_finished", {})
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())
    assert "failed b (p1.tif): cannot read. Rescan it" in plain
    assert plain.count("/in/b/p1.tif") == 0  # the scan named once, without the path twice


def test_json_lines_are_one_object_per_event() -> None:
    buffer = io.StringIO()
    sink = JsonLinesSink(buffer)
    for event, data in EVENTS:
        sink(event, data)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [e["event"] for e in lines] == [e for e, _ in EVENTS]


def test_text_lines_and_summary_in_vietnamese() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120)
    with using_language("vi"):
        sink = TextSink(console)
        for event, data in EVENTS:
            sink(event, data)
        print_summary(_summary(), console)
    text = buffer.getvalue()
    assert "đã lưu trữ a -> /ar/x/a.pdf" in text
    assert "bỏ qua (đã lưu trữ)" in text and "Nhật ký: /ar/log.jsonl" in text
    assert _summary().exit_code == 5
