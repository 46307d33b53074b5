# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams archive add | check | stats`: parse -> :mod:`trams.app.archive` -> render
(search ... rebuild in :mod:`.archive_index`, renew in :mod:`.archive_renew`).

Exit codes: add 0 all archived, 5 (PARTIAL) some refused, 11 (VERIFY_FAILED) all refused;
check 0 clean, 14 (ARCHIVE_INTEGRITY) problems found; 13 (ARCHIVE_BUSY) another process
writes to the archive.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table
from trams.cli.commands.common import (
    FORMAT_HELP,
    JSON_HELP,
    archive_from,
    archive_option_help,
    config_from,
    output_format,
)
from trams.cli.render import CsvOut, error_console, out_console, print_json

from trams import labels
from trams.i18n import N_, _, get_language

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.

STATUS = {"archived": N_("archived"), "unchanged": N_("unchanged (already archived)")}
GROUPS = {"day": N_("day"), "month": N_("month"), "agency": N_("agency")}


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=_("Archive signed documents as BagIt records; check and count."),
                        no_args_is_help=True)
    app.add_typer(group, name="archive")

    @group.command("add", help=_("Archive already-signed PDFs under a record. Each file is "
                                 "verified first; failures are refused unless "
                                 "--force-unverified."))
    def add(
        ctx: typer.Context,
        pdfs: list[Path] = typer.Argument(..., help=_("Signed PDF files.")),
        record: str = typer.Option(..., "--record", help=_("Record code (fileCode).")),
        metadata: Path | None = typer.Option(None, "--metadata", help=_(  # noqa: UP007
            "TOML, JSON or CSV file with 'record' (record fields) and 'documents' (one entry "
            "per PDF, in order), the format of `trams ocr --metadata`.")),
        archive_dir: Path | None = typer.Option(None, "--archive",  # noqa: UP007
                                                help=archive_option_help()),
        force_unverified: bool = typer.Option(False, "--force-unverified", help=_(
            "Archive files whose signatures fail or cannot be verified (recorded as such).")),
        trust: list[Path] = typer.Option([], "--trust", help=_(
            "Trust anchor certificates: PEM/DER file or folder (repeatable).")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> None:
        from trams.app.archive import ArchiveAddOptions, archive_add

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"

        report = archive_add(config_from(ctx), ArchiveAddOptions(
            pdfs=tuple(pdfs), record=record, metadata=metadata, archive=archive_dir,
            force_unverified=force_unverified, trust=tuple(trust)))
        err = error_console()
        for row in report.files:
            if row.status == "refused" and row.error is not None:
                err.print(row.error.one_line(), markup=False, soft_wrap=True)
            elif row.status == "refused":
                err.print(_("{file}: refused, signature verdict {verdict}. Check it with "
                            "`trams verify`, or archive it anyway with --force-unverified.",
                            file=row.file, verdict=labels.indication(row.verdict)),
                          markup=False, soft_wrap=True)
        if as_json:
            print_json(report.to_dict(), kind="archive-add")
        else:
            out = out_console()
            for row in report.files:
                if row.status != "refused":
                    assert row.archived is not None
                    out.print(_("{status}: {file} -> {pdf} (version {version})",
                                status=_(STATUS[row.status]), file=row.file,
                                pdf=row.archived["pdf"], version=row.archived["version"]),
                              markup=False, soft_wrap=True)
        raise typer.Exit(int(report.exit_code))

    @group.command("check", help=_("Check an archive: every file against its manifest, "
                                   "BagIt validity, the journal chain, files unknown to the "
                                   "state and the reverse; --deep also verifies signatures. "
                                   "Exit 14 when a problem is found."))
    def check(
        ctx: typer.Context,
        folder: Path | None = typer.Argument(None, hidden=True,  # noqa: UP007 - old form
                                             metavar=""),
        archive_dir: Path | None = typer.Option(None, "--archive",  # noqa: UP007
                                                help=archive_option_help()),
        deep: bool = typer.Option(False, "--deep", help=_("Also verify every signature.")),
        trust: list[Path] = typer.Option([], "--trust", help=_(
            "Trust anchor certificates: PEM/DER file or folder (repeatable).")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> None:
        from trams.app.archive import archive_check

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"
        report = archive_check(config_from(ctx), archive_from(archive_dir, folder), deep=deep,
                               trust=tuple(trust))
        if as_json:
            print_json(report.to_dict(), kind="archive-check")
        else:
            out, lang = out_console(), get_language()
            for problem in report.problems:
                label = _("ERROR") if problem.severity == "error" else _("warning")
                out.print(f"{label}: {problem.path}: {problem.text(lang)}", markup=False,
                          soft_wrap=True)
            summary = _("Records: {records}; documents: {documents}; files checked: {files}; "
                        "journal entries: {entries}; signatures verified: {signatures}.",
                        records=report.records, documents=report.documents,
                        files=report.files, entries=report.journal_entries,
                        signatures=report.signatures_checked)
            errors = {p.kind for p in report.problems if p.severity == "error"}
            verdict = _("Archive OK.") if report.ok else _(
                "Archive state damaged: run `trams archive rebuild`.") if any(
                p.kind.startswith("state_") for p in report.problems) else _(
                "Archive has problems: the documents named above were archived unverified on "
                "request (--force-unverified) and still fail verification; their files are "
                "unchanged.") if errors == {"signature_failed_as_archived"} else _(
                "Archive has problems: restore the files named above from a backup copy.")
            out.print(f"{summary} {verdict}", markup=False, soft_wrap=True)
        raise typer.Exit(int(report.exit_code))

    @group.command("stats", help=_("Documents, pages, signed, failed and OCR quality per "
                                   "day, month or agency."))
    def stats(
        ctx: typer.Context,
        by: str = typer.Option("month", "--by", metavar="day|month|agency",
                               help=_('Group by "day", "month" or "agency".')),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json|csv",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
        archive_dir: Path | None = typer.Option(None, "--archive",  # noqa: UP007
                                                help=archive_option_help()),
    ) -> None:
        from trams.app.archive import archive_stats

        fmt = output_format(fmt, as_json, ("text", "json", "csv"))
        report = archive_stats(config_from(ctx), by=by, folder=archive_dir)
        rows = report.rows
        if fmt == "json":
            print_json(report.to_dict(), kind="archive-stats")
        elif fmt == "csv":
            CsvOut(sys.stdout, report.columns).rows(rows)
        else:
            table = Table(box=None)
            headers = {"period": _(GROUPS.get(by, by)), "documents": _("documents"),
                       "versions": _("versions"),
                       "pages": _("pages"), "signed": _("signed"), "failed": _("failed"),
                       "mean_confidence": _("mean OCR confidence"),
                       "needs_review": _("OCR review")}
            for column in report.columns:
                table.add_column(headers[column], justify="left" if column == "period"
                                 else "right")
            for row in rows:
                table.add_row(*("" if row[c] is None else str(row[c]) for c in report.columns))
            out_console().print(table)

    from trams.cli.commands import (  # search, show, report, reindex, rebuild; renew
        archive_index,
        archive_renew,
    )

    archive_index.register(group)
    archive_renew.register(group)
