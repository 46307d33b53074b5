"""`trams run [INBOX]`: the nightly batch, from the inbox to the signed archive.

Parse -> :func:`trams.app.run.run` -> progress and summary. Secrets come from the
environment variables or files named in trams.toml; only on a terminal, and only when none
is configured, is a hidden prompt shown.
"""

from __future__ import annotations

import signal
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from trams.cli.commands.cluster_option import cluster_option
from trams.cli.commands.common import (
    FORMAT_HELP,
    JSON_HELP,
    config_from,
    output_format,
    terminal_prompt,
)
from trams.cli.render import error_console, out_console, print_json

from trams.errors import TramsError
from trams.i18n import _

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.

LOG_FORMATS = ("auto", "progress", "text", "json")


def _raise_interrupt(signum: int, frame: object) -> None:
    # Once: a second SIGTERM while the run is stopping must not cut its report short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def run_command(
    ctx: typer.Context,
    inbox: Annotated[Path | None, typer.Argument(  # noqa: UP007
        help=_("Inbox folder (default: [inbox] path of trams.toml)."))] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=_("Show what would be done; touch nothing, open no key."))] = False,
    jobs: Annotated[int | None, typer.Option(  # noqa: UP007
        "--jobs", "-j", min=1, help=_("Worker processes (default: jobs in trams.toml)."))
    ] = None,
    move_done: Annotated[bool | None, typer.Option(  # noqa: UP007
        "--move-done/--keep-inputs",
        help=_("Move inputs to inbox/.done/ once archived (default: inbox.move_done)."))
    ] = None,
    log_format: Annotated[str, typer.Option(
        "--log-format", metavar="auto|progress|text|json",
        help=_("stderr: progress bar (terminal), plain lines, or JSON lines; auto picks "
               "the bar on a terminal and JSON otherwise."))] = "auto",
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help=_("Print only problems: no progress bar, no summary (the "
                                "exit code and the log file tell the rest)."))] = False,
    fmt: Annotated[str | None, typer.Option(  # noqa: UP007
        "--format", metavar="text|json", help=_(FORMAT_HELP))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_(JSON_HELP))] = False,
    cluster: Annotated[str | None, cluster_option()] = None,  # noqa: UP007
) -> int:
    """Digitize the inbox: OCR, PDF/A, signatures, verification, archive; resumable."""
    as_json = output_format(fmt, as_json, ("text", "json")) == "json"
    if log_format not in LOG_FORMATS:
        raise typer.BadParameter(_("use one of: {values}", values=", ".join(LOG_FORMATS)),
                                 param_hint="--log-format")
    from trams.app.run import RunOptions, refused, run
    from trams.cli.run_render import json_stderr, print_summary

    sink = sink_for(log_format, error_console(), quiet=quiet)
    options = RunOptions(inbox=inbox, dry_run=dry_run, jobs=jobs, move_done=move_done,
                         cluster=cluster)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        # JSON lines: nothing but events on stderr (log lines and warnings become events)
        with json_stderr() if _is_json(log_format) else nullcontext():
            try:
                config = config_from(ctx)
            except TramsError as exc:  # no archive known: the refusal is the whole report
                summary = refused(exc, options, sinks=[sink])
            else:
                summary = run(config, options, prompter=terminal_prompt, sinks=[sink])
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        print_json(summary.to_dict(), kind="run")
    elif not quiet:
        print_summary(summary, out_console())
    return int(summary.exit_code)


def _is_json(log_format: str) -> bool:
    return log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())


def sink_for(log_format: str, console, *, quiet: bool = False):  # noqa: ANN001, ANN202
    """How the run shows itself on stderr; ``quiet``: only problems, as plain lines (JSON
    lines stay complete: they are for programs)."""
    from trams.cli.run_render import JsonLinesSink, ProgressSink, TextSink

    if _is_json(log_format):
        return JsonLinesSink()
    if quiet:
        return TextSink(console, problems_only=True)
    if log_format in ("auto", "progress"):
        return ProgressSink(console)
    return TextSink(console)


def register(app: typer.Typer) -> None:
    app.command("run", help=_(
        "Digitize the inbox: OCR, PDF/A, leader and agency signatures, verification, "
        "archive. Skips what is archived; a rerun finishes an interrupted run."))(run_command)
