# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams verify PATH...`: verify signed PDFs, files and folders, and report.

Parse -> :func:`trams.app.verify.verify_paths` -> render (streamed for text, jsonl, csv).
Exit codes (:class:`trams.app.verify.VerifyReport`): 0 every file passed; 11 a signature
or a policy check failed; 4 no failure, but a file could not be read; 12 none failed or
unreadable, some indeterminate; 2 usage error; 3 trust/config error; 1 internal error.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from trams.cli.commands.common import JSON_HELP, choice, config_from, output_format
from trams.cli.render import error_console

from trams.clock import assume_vn
from trams.errors import InputError
from trams.i18n import _, get_language
from trams.rules import POLICIES

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.

FORMATS = ("text", "json", "jsonl", "csv", "html")


def _parse_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            _("'{value}' is not an ISO 8601 date and time, e.g. 2026-11-25T14:03:07+07:00",
              value=value)) from None
    return assume_vn(moment)


def register(app: typer.Typer) -> None:
    @app.command("verify", help=_(
        "Verify the signatures of PDF files (files or folders, recursively) and report "
        "per signature an ETSI verdict. Exit 0 all passed, 11 some failed, "
        "12 some indeterminate, 4 some files unreadable."))
    def verify(
        ctx: typer.Context,
        paths: list[Path] = typer.Argument(..., help=_("PDF files or folders.")),
        trust: list[Path] = typer.Option(  # noqa: B008
            [], "--trust", help=_("Trust anchor certificates: PEM/DER file or folder "
                                  "(repeatable; added to [trust] roots of trams.toml).")),
        revocation: str = typer.Option("soft", "--revocation", metavar="hard|soft|off",
                                       help=_("Revocation checking.")),
        offline: bool = typer.Option(False, "--offline",
                                     help=_("Use only validation data embedded in the files.")),
        at: str | None = typer.Option(  # noqa: UP007
            None, "--at", help=_("Validation time (ISO 8601; without offset: +07:00).")),
        policy: str | None = typer.Option(  # noqa: UP007
            None, "--policy", metavar="vn-dual|any|copy",
            help=_("File policy (default: the policy of the signing profile of trams.toml "
                   "when it names an agency, else any).")),
        fmt: str | None = typer.Option(None, "--format", metavar="|".join(FORMATS),
                                       help=_("Report format (default: text).")),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
        out: Path | None = typer.Option(None, "--output", "-o",  # noqa: UP007
                                           help=_("Write the report to this file (default: "
                                                  "standard output).")),
        jobs: int | None = typer.Option(None, "--jobs", "-j", min=1,  # noqa: UP007
                                           help=_("Worker processes verifying files in "
                                                  "parallel (default: jobs in trams.toml, at "
                                                  "most 8).")),
    ) -> None:
        from trams.app.verify import REVOCATION_MODES, VerifyOptions, verify_paths

        choice(revocation, REVOCATION_MODES, "--revocation")
        fmt = output_format(fmt, as_json, FORMATS)
        choice(policy, POLICIES, "--policy")
        report = verify_paths(config_from(ctx), VerifyOptions(
            paths=tuple(paths), trust=tuple(trust), revocation=revocation, offline=offline,
            at=_parse_at(at), policy=policy, jobs=jobs))
        if not report.context.roots:
            error_console().print(_("Warning: no trust anchors given (--trust or [trust] in "
                                    "trams.toml): no signature can be trusted."),
                                  markup=False, style="yellow")
        lang = get_language()
        stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        try:
            _render(report, fmt, lang, stream, to_terminal=out is None and stream.isatty())
        except OSError as exc:
            raise InputError(_("cannot write the report ({reason})", reason=exc.strerror),
                             path=out, code="write_failed") from exc
        finally:
            if out:
                stream.close()
        raise typer.Exit(int(report.exit_code))


def _render(report, fmt: str, lang: str, stream, *, to_terminal: bool) -> None:  # noqa: ANN001
    from trams.cli import verify_render as vr

    if fmt == "jsonl":
        for r in report:
            stream.write(vr.render_jsonl_line(r))
            stream.flush()
    elif fmt == "csv":
        writer = vr.csv_writer(stream)
        for r in report:
            writer.rows(vr.csv_rows(r, lang))
    elif fmt == "text":
        from trams.cli.verify_text import print_report, print_summary

        console = Console(file=stream, highlight=False,
                          no_color=not to_terminal, force_terminal=None if to_terminal
                          else False, width=None if to_terminal else 160)
        for r in report:
            print_report(console, r, lang)
        print_summary(console, report.counts(), lang)
    else:
        collected = sorted(report.collect(), key=lambda r: r.path)
        stream.write(vr.render_json(collected) if fmt == "json"
                     else vr.render_html(collected, lang, report.header()))
