"""How `trams run` shows itself: a progress bar on a terminal, JSON lines for cron, a summary.

Pure presentation over the run's events (:mod:`trams.pipeline.events`); the log file in
the archive is written by the pipeline itself, whatever is shown here.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table

from trams.errors import notice_dict
from trams.i18n import N_, _, _n
from trams.models import DocumentStatus
from trams.pipeline import RunSummary
from trams.pipeline.events import event_line


class JsonLinesSink:
    """Every event as one JSON object per line on stderr (``--log-format json``)."""

    def __init__(self, stream=None):  # noqa: ANN001 - a text stream
        self.stream = stream or sys.stderr

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if event == "run_finished":  # the documents are in the summary on stdout
            data = {k: v for k, v in data.items() if k not in ("documents", "moved")}
        if "traceback" in data:  # tracebacks (--verbose) go to the log file only
            data = {k: v for k, v in data.items() if k != "traceback"}
        try:
            self.stream.write(event_line(event, data))
            self.stream.flush()
        except (OSError, ValueError):  # stderr closed or gone (a dead pipe): carry on
            pass


@contextmanager
def json_stderr() -> Iterator[None]:
    """While a run writes JSON lines on stderr, nothing else may.

    The root logger's stderr handlers are set aside (the run turns log records and
    warnings into events, see trams.pipeline.events.capture_logging) and replaced by a
    NullHandler, so that Python's last-resort handler prints nothing either; an exception
    in a thread or one Python would report as "ignored" is logged (and so becomes an event),
    never printed.
    """
    root = logging.getLogger()
    streams = (sys.stderr, sys.__stderr__)
    aside = [h for h in root.handlers
             if type(h) is logging.StreamHandler and h.stream in streams]
    for handler in aside:
        root.removeHandler(handler)
    null = logging.NullHandler()
    root.addHandler(null)
    log = logging.getLogger("trams")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        log.error("error in thread %s: %s", getattr(args.thread, "name", "?"),
                  args.exc_type.__name__,
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    def unraisable_hook(unraisable: Any) -> None:
        log.warning("%s: %s", unraisable.err_msg or "Exception ignored",
                    type(unraisable.exc_value).__name__,
                    exc_info=(unraisable.exc_type, unraisable.exc_value,
                              unraisable.exc_traceback))

    saved = threading.excepthook, sys.unraisablehook
    threading.excepthook, sys.unraisablehook = thread_hook, unraisable_hook
    try:
        yield
    finally:
        threading.excepthook, sys.unraisablehook = saved
        root.removeHandler(null)
        for handler in aside:
            root.addHandler(handler)


PROBLEMS = ("document_failed", "input_failed", "run_aborted", "warning")


class TextSink:
    """One plain line per document (``--log-format text``); ``problems_only`` (``-q``):
    only failures, warnings and an abort."""

    def __init__(self, console: Console, *, problems_only: bool = False):
        self.console = console
        self.problems_only = problems_only

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if self.problems_only and event not in PROBLEMS:
            return
        line = describe(event, data)
        if self.problems_only and event == "run_aborted":  # no summary follows
            line = _("Run stopped: {message}", message=f"{data['line']} [{data['code']}]")
        if line:
            self.console.print(line, markup=False, soft_wrap=True,
                               style="red" if event in ("document_failed", "input_failed",
                                                        "run_aborted")
                               else "yellow" if event == "warning" else None)


class ProgressSink:
    """A rich progress bar (documents and pages, rate, ETA) on a terminal's stderr, as wide
    as the terminal. Every column has a fixed width, so nothing moves when the rate
    appears; the bar takes the rest. A failed document prints one line above the bars,
    naming the scan and the fix."""

    def __init__(self, console: Console):
        self.console = console
        labels = (_("documents"), _("pages"))
        self.progress = Progress(
            TextColumn("{task.description}",
                       table_column=Column(width=max(map(len, labels)), no_wrap=True)),
            BarColumn(bar_width=None, table_column=Column(ratio=1)),
            MofNCompleteColumn(table_column=Column(width=11, justify="right", no_wrap=True)),
            TaskProgressColumn(table_column=Column(width=5, justify="right", no_wrap=True)),
            TextColumn("{task.fields[rate]}",
                       table_column=Column(width=18, justify="right", no_wrap=True)),
            TimeElapsedColumn(table_column=Column(width=8, no_wrap=True)),
            TimeRemainingColumn(table_column=Column(width=8, no_wrap=True)),
            console=console, transient=False, expand=True)
        self.docs = self.pages = None

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if event == "planned":
            self.progress.start()
            self.docs = self.progress.add_task(_("documents"), total=data["documents"], rate="")
            self.pages = self.progress.add_task(_("pages"), total=data["pages"], rate="")
            return
        if event == "page_done" and self.pages is not None:
            self.progress.advance(self.pages)
            task = self.progress.tasks[self.pages]
            if task.elapsed:
                self.progress.update(self.pages, rate=_("{rate:.1f} pages/min",
                                                        rate=60 * task.completed / task.elapsed))
            return
        if event in ("document_archived", "document_failed") and self.docs is not None:
            self.progress.advance(self.docs)
        line = describe(event, data)
        if line and event != "document_archived":
            self.console.print(line, markup=False, soft_wrap=True,
                               style="red" if "failed" in event or "abort" in event
                               else "yellow" if event == "warning" else None)
        if event == "run_finished":
            self.progress.stop()


def reason(data: dict[str, Any]) -> str:
    """What went wrong and what to do, without the path (the line names the file once),
    and the machine code a script or a support call can use: ``... [dpi_too_low]``."""
    message = " ".join(str(data.get("message") or "").split()).rstrip(".")
    hint = " ".join(str(data.get("hint") or "").split())
    text = f"{message}. {hint}" if hint else message
    return f"{text} [{data['code']}]" if data.get("code") else text


def pages(count: int) -> str:
    return _n("{count} page", "{count} pages", count, count=count)


def describe(event: str, data: dict[str, Any]) -> str | None:
    """One human line for an event, or None for events not worth a line."""
    if event == "planned":
        return _("To process: {documents}; already archived: {skipped}; refused: "
                 "{failed}.", documents=_n("{count} document ({pages})",
                                           "{count} documents ({pages})", data["documents"],
                                           count=data["documents"], pages=pages(data["pages"])),
                 skipped=data["skipped"], failed=data["failed"])
    if event == "document_archived":
        return _("archived {name} -> {path}", name=data["name"], path=data["path"])
    if event == "document_failed":
        where = data.get("path")
        if where and Path(where).name not in data["name"]:  # name the scan, once
            return _("failed {name} ({file}): {reason}", name=data["name"],
                     file=Path(where).name, reason=reason(data))
        return _("failed {name}: {reason}", name=data["name"], reason=reason(data))
    if event == "input_failed":
        return _("cannot use {path}: {reason}", path=data["path"], reason=reason(data))
    if event == "input_moved":
        return _("moved {source} -> {target}", source=data["source"], target=data["target"])
    if event == "warning":
        if data.get("document"):
            return _("warning: {name}: {reason}", name=data["document"], reason=reason(data))
        return _("warning: {reason}", reason=reason(data))
    return None


def worker_pages(workers: dict[str, int]) -> str:
    """Pages per cluster worker, one line: "Cluster: 12 pages by host-0, 8 by host-1"."""
    parts = ", ".join(_("{pages} by {worker}", pages=pages(count), worker=name)
                      for name, count in sorted(workers.items()))
    return _("Cluster workers: {parts}.", parts=parts)


# The run's stages (RunSummary.timings keys) in words.
STAGE_NAMES = {"discover": N_("finding documents"), "ocr_wait": N_("waiting for OCR"),
               "pdfa": N_("PDF/A"), "sign": N_("signing"), "verify": N_("verifying"),
               "archive": N_("archiving"), "move": N_("moving inputs")}


def print_summary(summary: RunSummary, console: Console) -> None:
    totals = summary.totals()
    table = Table(title=_("TRAMS run {run_id}", run_id=summary.run_id), title_justify="left")
    table.add_column(_("result"))
    table.add_column(_("documents"), justify="right")
    table.add_column(_("pages"), justify="right")
    names = {"archived": _("archived"), "skipped": _("skipped (already archived)"),
             "failed": _("would fail") if summary.dry_run else _("failed"),
             "planned": _("would be processed"),
             "not_started": _("not started (run again)")}
    for status, label in names.items():
        if status == "planned" and not summary.dry_run:
            continue
        if status == "archived" and summary.dry_run:
            continue
        row = totals[status]
        docs = row["documents"] + (len(summary.input_failures) if status == "failed" else 0)
        if status == "not_started" and not docs:
            continue
        table.add_row(label, str(docs), str(row["pages"]))
    console.print(table)

    def line(text: str, style: str | None = None) -> None:
        console.print(text, markup=False, soft_wrap=True, style=style)

    for doc in summary.documents:
        if doc.status is DocumentStatus.ARCHIVED:
            line(_("  {name} -> {record}: {path}", name=doc.name, record=doc.record,
                   path=doc.path))
        elif doc.status is DocumentStatus.PLANNED:
            line(_("  {name} -> {stem}.pdf ({pages})", name=doc.name, stem=doc.stem,
                   pages=pages(doc.pages)))
            for warning in doc.warnings:
                line("    " + _("warning: {reason}", reason=reason(notice_dict(warning))),
                     "yellow")
    for doc in summary.documents:
        if doc.status is DocumentStatus.FAILED:
            line("  " + describe("document_failed", doc.to_dict()), "red")
    for item in summary.input_failures:
        line("  " + describe("input_failed", item.to_dict()), "red")
    if summary.ignored and summary.dry_run:
        for path in summary.ignored:
            line("  " + _("ignored {path}: not a scan, TRAMS leaves it where it is "
                          "[not_a_scan]", path=path), "yellow")
    elif summary.ignored:
        line(_n("{count} file in the inbox is not a scan and was left where it is.",
                "{count} files in the inbox are not scans and were left where they are.",
                len(summary.ignored), count=len(summary.ignored)))
    if summary.failed_waiting:
        line(_n("{count} input waits in {folder} for a rescan or a fix (see its .reason.txt).",
                "{count} inputs wait in {folder} for a rescan or a fix (see their .reason.txt).",
                summary.failed_waiting, count=summary.failed_waiting,
                folder=str(Path(summary.inbox) / ".failed")), "yellow")
    if not summary.dry_run:
        stages = ", ".join(_("{stage} {seconds:.1f} s", stage=_(STAGE_NAMES[k]), seconds=v)
                           for k, v in summary.timings.items() if v >= 0.05)
        line(_("Time: {wall:.1f} s ({stages}).", wall=summary.wall_seconds, stages=stages)
             if stages else _("Time: {wall:.1f} s.", wall=summary.wall_seconds))
    if summary.workers:
        line(worker_pages(summary.workers))
    if summary.log_file:
        console.print(_("Log: {path}", path=summary.log_file), markup=False)
    if summary.aborted:
        console.print(_("Run stopped: {message}", message=f"{summary.aborted.one_line()} "
                                                          f"[{summary.aborted.code}]"),
                      markup=False, style="red", soft_wrap=True)
    if summary.interrupted:
        console.print(_("Interrupted: run the same command again to finish the rest."),
                      markup=False, style="yellow")
