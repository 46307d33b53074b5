# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams verify PATH...`: verify signed PDFs, files and folders, and report.

Exit codes: 0 every file passed; 11 (VERIFY_FAILED) a signature or a policy check failed;
4 (INPUT) no failure, but a file could not be read or verified; 12 (VERIFY_INDETERMINATE)
none failed or unreadable, some indeterminate; 2 usage error; 3 trust/config error;
1 internal error.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import typer

from trams.errors import ExitCode, InputError
from trams.i18n import _, get_language

VN_TZ = timezone(timedelta(hours=7))
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
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def exit_code_for(counts: dict[str, int]) -> ExitCode:
    if counts["failed"]:
        return ExitCode.VERIFY_FAILED
    if counts["errors"]:
        return ExitCode.INPUT
    if counts["indeterminate"]:
        return ExitCode.VERIFY_INDETERMINATE
    return ExitCode.OK


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
            help=_("File policy (default: vn-dual when trams.toml names an agency, else any).")),
        fmt: str = typer.Option("text", "--format", metavar="|".join(FORMATS),
                                help=_("Report format.")),
        out: Path | None = typer.Option(None, "--out",  # noqa: UP007
                                           help=_("Write the report to this file.")),
        jobs: int | None = typer.Option(None, "--jobs", min=1,  # noqa: UP007
                                           help=_("Parallel worker processes.")),
    ) -> None:
        from trams.cli.commands.common import config_from
        from trams.signing.verify import VerifyContext, verify_paths
        from trams.signing.verify_report import run_info

        if revocation not in ("hard", "soft", "off"):
            raise typer.BadParameter(_("--revocation must be hard, soft or off"))
        if fmt not in FORMATS:
            raise typer.BadParameter(_("--format must be one of {formats}",
                                       formats=", ".join(FORMATS)))
        cfg = config_from(ctx)
        agency_name = cfg.agency.name or None
        chosen = policy or ("vn-dual" if agency_name else "any")
        if chosen not in ("vn-dual", "any", "copy"):
            raise typer.BadParameter(_("--policy must be vn-dual, any or copy"))
        vctx = VerifyContext.build(
            trust=[*cfg.trust.roots, *trust], intermediates=cfg.trust.intermediates,
            revocation=revocation, offline=offline, at=_parse_at(at), policy=chosen,
            agency_name=agency_name, agency_org=cfg.agency.signer_organization)
        if not vctx.roots:
            from trams.cli.render import error_console

            error_console().print(_("Warning: no trust anchors given (--trust or [trust] in "
                                    "trams.toml): no signature can be trusted."),
                                  markup=False, style="yellow")
        lang = get_language()
        workers = jobs or min(cfg.jobs, 8)
        stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        try:
            code = _run(verify_paths(paths, vctx, jobs=workers), fmt, lang, stream,
                        to_terminal=out is None and stream.isatty(),
                        header=lambda done: run_info(vctx, paths, done))
        except OSError as exc:
            raise InputError(_("cannot write the report ({reason})", reason=exc.strerror),
                             path=out) from exc
        finally:
            if out:
                stream.close()
        raise typer.Exit(int(code))


def _run(reports, fmt: str, lang: str, stream, *, to_terminal: bool,
         header=None) -> ExitCode:
    from trams.cli import verify_render as vr

    collected = []
    if fmt == "jsonl":
        for r in reports:
            stream.write(vr.render_jsonl_line(r))
            stream.flush()
            collected.append(r)
    elif fmt == "csv":
        writer = vr.csv_writer(stream)
        for r in reports:
            writer.writerows(vr.csv_rows(r, lang))
            collected.append(r)
    elif fmt == "text":
        from rich.console import Console
        from trams.cli.verify_text import print_report, print_summary

        console = Console(file=stream, highlight=False,
                          no_color=not to_terminal, force_terminal=None if to_terminal
                          else False, width=None if to_terminal else 160)
        for r in reports:
            print_report(console, r, lang)
            collected.append(r)
        print_summary(console, vr.counts(collected), lang)
    else:
        collected = sorted(reports, key=lambda r: r.path)
        stream.write(vr.render_json(collected) if fmt == "json"
                     else vr.render_html(collected, lang,
                                         header(collected) if header else None))
    return exit_code_for(vr.counts(collected))
