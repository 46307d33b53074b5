# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams archive renew`: parse -> :func:`trams.app.renew.archive_renew` -> render.
Registered on the `archive` group by :mod:`trams.cli.commands.archive`.

Exit codes: 0 every due document renewed (or none due); 5 (PARTIAL) some renewed, some
failed; 11 (VERIFY_FAILED) a renewed file did not verify (that document keeps its current
version); 9 (NETWORK) the time-stamping server cannot be reached (nothing changed); 13
(ARCHIVE_BUSY) another process writes the archive.
"""

from __future__ import annotations

from pathlib import Path

import typer
from trams.cli.commands.common import (
    FORMAT_HELP,
    JSON_HELP,
    archive_option_help,
    config_from,
    output_format,
)
from trams.cli.render import error_console, out_console, print_json

from trams.i18n import _

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.


def _reason(done) -> str:  # noqa: ANN001 - trams.app.renew.RenewedDocument
    from trams.app.renew import REASONS

    return _(REASONS[done.reason], date=done.expires.date().isoformat() if done.expires
             else "?")


def register(group: typer.Typer) -> None:
    @group.command("renew", help=_(
        "Keep archived signatures verifiable: give every document that has no archive "
        "timestamp yet, or whose newest archive timestamp's certificate expires within "
        "--within days, current validation data and a new archive timestamp (PAdES B-LTA). "
        "Each renewed file is verified, then archived as a new version; earlier versions "
        "stay in the record. Run it from cron, e.g. monthly."))
    def renew(
        ctx: typer.Context,
        archive_dir: Path | None = typer.Option(None, "--archive", help=archive_option_help()),
        within: int = typer.Option(365, "--within", min=0, metavar="DAYS", help=_(
            "Renew when the archive timestamp's certificate expires within this many days.")),
        renew_all: bool = typer.Option(False, "--all", help=_(
            "Renew every signed document, due or not.")),
        records: list[str] = typer.Option([], "--record", metavar="CODE", help=_(
            "Only the documents of this record code (repeatable).")),
        dry_run: bool = typer.Option(False, "--dry-run", help=_(
            "List the documents that are due; contact no server, change nothing.")),
        tsa: list[str] = typer.Option([], "--tsa", metavar="URL", help=_(
            "Time-stamping server URL (repeatable; default: [tsa] urls).")),
        trust: list[Path] = typer.Option([], "--trust", help=_(
            "Trust anchor certificates: PEM/DER file or folder (repeatable).")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> None:
        from trams.app.renew import RenewFailure, RenewOptions, archive_renew

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"

        err, out = error_console(), out_console()

        def progress(done) -> None:  # noqa: ANN001
            if isinstance(done, RenewFailure):
                err.print(_("{code}: not renewed: {reason}", code=done.doc_code,
                            reason=done.error.one_line()), markup=False, soft_wrap=True)
            elif not as_json:
                out.print(_("{code}: renewed ({reason}) -> {pdf} (version {version})",
                            code=done.doc_code, reason=_reason(done), pdf=done.pdf,
                            version=done.version), markup=False, soft_wrap=True)

        report = archive_renew(config_from(ctx), RenewOptions(
            archive=archive_dir, within_days=within, all=renew_all, records=tuple(records),
            dry_run=dry_run, trust=tuple(trust), tsa_urls=tuple(tsa)), on_progress=progress)
        if as_json:
            print_json(report.to_dict(), kind="archive-renew")
        else:
            if dry_run:
                for due in report.renewed:
                    out.print(_("{code}: due ({reason}), current version {version}",
                                code=due.doc_code, reason=_reason(due),
                                version=due.version_before), markup=False, soft_wrap=True)
            for failure in report.failures if dry_run else ():
                err.print(_("{code}: not renewed: {reason}", code=failure.doc_code,
                            reason=failure.error.one_line()), markup=False, soft_wrap=True)
            out.print(_("Checked: {checked}; {due}: {renewed}; not due: {not_due}; unsigned: "
                        "{unsigned}; failed: {failed}.", checked=report.checked,
                        due=_("due") if dry_run else _("renewed"),
                        renewed=len(report.renewed), not_due=report.not_due,
                        unsigned=report.unsigned, failed=len(report.failures)),
                      markup=False, soft_wrap=True)
        raise typer.Exit(int(report.exit_code))
