# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams archive search | show | report | reindex | rebuild`: parse, one library call,
render. Registered on the `archive` group by :mod:`trams.cli.commands.archive`.

Exit codes: search and show 0 (a search without hits is a result), 4 a bad query or an
unknown code; report 0; reindex 0; rebuild 0 when every bag was taken and the rebuilt
archive checks clean, 14 otherwise; 14 also when the search index is missing or unusable
(the message names `trams archive reindex`); 13 when another process writes the archive.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import typer
from rich.text import Text
from trams.cli.commands.common import (
    FORMAT_HELP,
    JSON_HELP,
    archive_from,
    archive_option_help,
    config_from,
    output_format,
)
from trams.cli.render import SCHEMA_VERSION, CsvOut, error_console, out_console, print_json

from trams import labels
from trams.fs import atomic_path
from trams.i18n import _, get_language

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.

SEARCH_FORMATS = ("text", "json", "csv")
REPORT_FORMATS = ("csv", "json", "html")



def _index_warning(status) -> None:  # noqa: ANN001 - trams.archive.search_index.IndexStatus

    if status.state != "fresh":
        error_console().print(_(
            "Warning: the search index is behind the archive by {behind} entries (an "
            "interrupted update): recent documents may be missing. Run `trams archive "
            "reindex`.", behind=status.behind), markup=False, soft_wrap=True)


def register(group: typer.Typer) -> None:
    @group.command("search", help=_(
        "Find archived documents by their text and metadata. Words without diacritics "
        "match every spelling (quyet dinh finds Quyết định); with diacritics, that "
        "spelling. \"a phrase\", prefix*, OR, -without, (groups)."))
    def search(
        ctx: typer.Context,
        query: str = typer.Argument(..., help=_("What to look for.")),
        agency: str | None = typer.Option(None, "--agency", help=_("Agency code.")),
        date_from: str | None = typer.Option(None, "--from", help=_(
            "From this issue date (else archiving date): YYYY-MM-DD, DD/MM/YYYY, YYYY-MM.")),
        date_to: str | None = typer.Option(None, "--to", help=_("Up to this date.")),
        doc_type: str | None = typer.Option(None, "--type", help=_(
            "Document type: typeName code (02) or notation (QĐ).")),
        signer: str | None = typer.Option(None, "--signer", help=_("Name of a signer.")),
        record: str | None = typer.Option(None, "--record", help=_("Record code (fileCode).")),
        limit: int = typer.Option(10, "--limit", help=_("Number of results.")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json|csv",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
        archive_dir: Path | None = typer.Option(None, "--archive", help=archive_option_help()),
    ) -> None:
        from trams.app.archive import archive_search

        from trams.archive.search import SearchOptions, parse_day

        fmt = output_format(fmt, as_json, SEARCH_FORMATS)
        options = SearchOptions(
            query=query, agency=agency, doc_type=doc_type, signer=signer, record=record,
            date_from=parse_day(date_from) if date_from else None,
            date_to=parse_day(date_to, end=True) if date_to else None, limit=limit)
        result = archive_search(config_from(ctx), options, folder=archive_dir)
        _index_warning(result.index)
        if fmt == "json":
            print_json(result.to_dict(), kind="archive-search")
        elif fmt == "csv":
            from trams.archive.search import CSV_COLUMNS

            CsvOut(sys.stdout, CSV_COLUMNS).rows(hit.to_dict() for hit in result.hits)
        else:
            _render_hits(result)

    @group.command("show", help=_(
        "Describe one record (by its code) or document (by its docCode): metadata, "
        "documents and versions, signatures and their last verdict, OCR quality, paths."))
    def show(
        ctx: typer.Context,
        code: str = typer.Argument(..., help=_("Record code or document code.")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
        archive_dir: Path | None = typer.Option(None, "--archive", help=archive_option_help()),
    ) -> None:
        from trams.app.archive import archive_show

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"

        result = archive_show(config_from(ctx), code, folder=archive_dir)
        if as_json:
            print_json(result.to_dict(), kind="archive-show")
        else:
            _render_show(result)

    @group.command("report", help=_(
        "Figures for the IOC and LRIC/GRIC reports: per month, agency or document type, "
        "records and documents digitized, pages, leader + agency signed, verified, OCR "
        "review, one-stop dossiers. CSV (for Excel), JSON or HTML."))
    def report(
        ctx: typer.Context,
        date_from: str | None = typer.Option(None, "--from", help=_(
            "From this archiving date: YYYY-MM-DD, DD/MM/YYYY, YYYY-MM or YYYY.")),
        date_to: str | None = typer.Option(None, "--to", help=_("Up to this date.")),
        by: str = typer.Option("month", "--by", metavar="month|agency|type",
                               help=_('Group by "month", "agency" or document "type".')),
        fmt: str | None = typer.Option(None, "--format", metavar="csv|json|html",
                                       help=_("Output format (default: csv).")),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
        output: Path | None = typer.Option(None, "--output", "-o", help=_(
            "Write to this file (default: standard output).")),
        archive_dir: Path | None = typer.Option(None, "--archive", help=archive_option_help()),
    ) -> None:
        from trams.app.archive import archive_report

        from trams.archive.report import COLUMNS, ReportOptions
        from trams.archive.search import parse_day

        fmt = output_format(fmt, as_json, REPORT_FORMATS, default="csv")
        options = ReportOptions(date_from=parse_day(date_from) if date_from else None,
                                date_to=parse_day(date_to, end=True) if date_to else None,
                                by=by)
        result = archive_report(config_from(ctx), options, folder=archive_dir)
        _index_warning(result.index)
        if fmt == "csv":
            out = io.StringIO()
            CsvOut(out, COLUMNS).rows(row.to_dict() for row in (*result.rows, result.total))
            data = out.getvalue().encode("utf-8")
        elif fmt == "json":
            data = (json.dumps({"schema_version": SCHEMA_VERSION, "kind": "archive-report",
                                **result.to_dict()}, ensure_ascii=False, indent=2)
                    + "\n").encode()
        else:
            from trams.cli.report_html import to_html

            data = to_html(result, lang=get_language()).encode()
        _write(data, output)

    @group.command("reindex", help=_(
        "Rebuild the search index from the bags (after `archive check` says it is missing "
        "or behind)."))
    def reindex(
        ctx: typer.Context,
        archive_dir: Path | None = typer.Option(None, "--archive", help=archive_option_help()),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> None:
        from trams.app.archive import archive_reindex

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"

        result = archive_reindex(config_from(ctx), folder=archive_dir)
        if as_json:
            print_json(result.to_dict(), kind="archive-reindex")
            return

        out_console().print(_(
            "Indexed {documents} documents in {seconds:.1f} s ({from_pdf} texts read from "
            "the PDF text layer); index {size:.1f} MB.", documents=result.documents,
            seconds=result.seconds, from_pdf=result.from_pdf,
            size=result.index_bytes / 1e6), markup=False, soft_wrap=True)
        for code in result.missing:
            out_console().print(_("{code}: the archived PDF is missing (indexed by its "
                                  "metadata only); see `trams archive check`.", code=code),
                                markup=False, soft_wrap=True)

    @group.command("rebuild", help=_(
        "Rebuild the archive state database (and the search index) from the bags, when "
        "it is missing or damaged. Bags failing their manifests are refused and listed. "
        "Exit 14 when a bag was refused or the result does not check clean."))
    def rebuild(
        ctx: typer.Context,
        folder: Path | None = typer.Argument(None, hidden=True,  # noqa: UP007 - old form
                                             metavar=""),
        archive_dir: Path | None = typer.Option(None, "--archive", help=archive_option_help()),
        force: bool = typer.Option(False, "--force", help=_(
            "Rebuild even though the state database looks healthy.")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> None:
        from trams.app.archive import archive_rebuild

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"
        result = archive_rebuild(config_from(ctx), folder=archive_from(archive_dir, folder),
                                 force=force)
        if as_json:
            print_json(result.to_dict(), kind="archive-rebuild")
        else:
            _render_rebuild(result)
        raise typer.Exit(int(result.exit_code))


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return

    with atomic_path(output) as tmp:
        tmp.write_bytes(data)


def _render_hits(result) -> None:  # noqa: ANN001 - trams.archive.search.SearchReport

    out = out_console()
    out.print(_("Matches: {total} ({ms:.1f} ms); the first {shown}:",
                total=result.total, ms=result.milliseconds, shown=len(result.hits))
              if result.total > len(result.hits) else
              _("Matches: {total} ({ms:.1f} ms).", total=result.total,
                ms=result.milliseconds), markup=False, soft_wrap=True)
    for hit in result.hits:
        head = Text(f"{hit.rank:>3}. ")
        head.append(hit.doc_code, style="bold")
        head.append(f"  {hit.date or ''}  {hit.title or ''}")
        out.print(head, soft_wrap=True)
        details = " · ".join(x for x in (hit.subject, hit.notation, hit.agency) if x)
        if details:
            out.print(Text(f"     {details}"), soft_wrap=True)
        if hit.snippet:
            line = Text("     ")
            for piece, is_hit in hit.snippet.parts():
                line.append(piece, style="bold" if is_hit else None)
            out.print(line, soft_wrap=True)
        out.print(Text(f"     {hit.path}", style="dim"), soft_wrap=True)


def _render_show(result) -> None:  # noqa: ANN001 - trams.archive.search.ShowReport

    out = out_console()

    def say(text: str) -> None:
        out.print(text, markup=False, soft_wrap=True, highlight=False)

    rec = result.record
    say(_("Record {code} (version {version}): {title}", code=result.record_code,
          version=result.record_version, title=rec.get("title") or "—"))
    say("  " + _("agency {agency}; folder {folder}", agency=result.agency or "—",
                 folder=result.folder))
    for key, value in rec.items():
        if key not in ("fileCode", "title"):
            say(f"  {key}: {value}")
    for doc in result.documents:
        say("")
        say(_("Document {code} (sequence {sequence})", code=doc.doc_code,
              sequence=doc.sequence))
        for key, value in doc.fields.items():
            if key != "sequence":
                say(f"  {key}: {value}")
        for v in doc.versions:
            state = "" if v["exists"] else "  " + _(
                "MISSING: restore it from a backup copy (`trams archive check`)")
            say("  " + _("version {version}: archived {when}, {size} bytes, SHA-256 {sha}",
                         version=v["version"], when=v["archived_at"], size=v["size"],
                         sha=v["sha256"][:16] + "…") + state)
        for sig in doc.signatures:
            say("  " + _("signature {role}: {signer}, {time}, {level}",
                         role=labels.role(sig["role"]),
                         signer=sig["signer"] or "—", time=sig["signing_time"] or "—",
                         level=sig["level"] or "—"))
        say("  " + _("last verdict: {verdict} (verified {when})",
                     verdict=labels.indication(doc.verdict),
                     when=doc.verified_at or "—"))
        quality = doc.quality
        say("  " + _("OCR quality: {verdict}; mean confidence: {confidence}; pages: {pages}",
                     verdict=labels.name("ocr_verdict", quality.get("verdict")),
                     confidence=quality.get("mean_confidence") or "—",
                     pages=quality.get("pages") or "—"))
        for name, path in doc.paths.items():
            if path:
                say(f"  {name}: {path}")


def _render_rebuild(result) -> None:  # noqa: ANN001 - trams.archive.rebuild.RebuildReport

    out = out_console()
    lang = get_language()

    def say(text: str) -> None:
        out.print(text, markup=False, soft_wrap=True, highlight=False)

    for bag in result.refused:
        for problem in bag.problems:
            say(_("REFUSED: {path}: {message}", path=problem.path,
                  message=problem.text(lang)))
        say(_("  the record {folder} is not in the rebuilt state: restore it from a backup "
              "copy, then run `trams archive rebuild --force`.", folder=bag.folder))
    if result.journal_broken_at is not None:
        say(_("The journal's chain is broken at line {line}: restore it from a backup copy.",
              line=result.journal_broken_at))
    for code in result.lost:
        say(_("LOST: the journal records {code}, which no valid bag holds.", code=code))
    if result.backup:
        say(_("The replaced state database is kept as {path}.", path=result.backup))
    if result.check is not None:
        for problem in result.check.problems:
            label = _("ERROR") if problem.severity == "error" else _("warning")
            say(f"{label}: {problem.path}: {problem.text(lang)}")
    say(_("Rebuilt: records: {records}; documents: {documents}; inputs known as archived: "
          "{inputs}; bags refused: {refused}.", records=result.records,
          documents=result.documents, inputs=result.inputs, refused=len(result.refused)))
    say(_("Archive OK.") if result.ok else
        _("The rebuilt archive has problems: see above."))
