# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams archive add | check | stats`: thin commands over :mod:`trams.archive`.

The signature verifier is wired here (trams.signing.verify), so the core archive never
imports the signing package. Exit codes: add 0 all archived, 5 (PARTIAL) some refused,
11 (VERIFY_FAILED) all refused; check 0 clean, 14 (ARCHIVE_INTEGRITY) problems found;
13 (ARCHIVE_BUSY) another process writes to the archive.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

import typer

from trams.errors import ExitCode, InputError
from trams.i18n import N_, _, get_language

PASSED = "TOTAL_PASSED"
STATUS = {"archived": N_("archived"), "unchanged": N_("unchanged (already archived)")}
GROUPS = {"day": N_("day"), "month": N_("month"), "agency": N_("agency")}


def _verifier(ctx: typer.Context, trust: list[Path]):  # noqa: ANN202
    """A callable PDF path -> FileReport (trams.signing.verify), with the config's trust."""
    from trams.cli.commands.common import config_from
    from trams.signing.verify import VerifyContext, verify_file

    cfg = config_from(ctx)
    vctx = VerifyContext.build(
        trust=[*cfg.trust.roots, *trust], intermediates=cfg.trust.intermediates,
        policy="vn-dual" if cfg.agency.name else "any", agency_name=cfg.agency.name or None,
        agency_org=cfg.agency.signer_organization)
    return lambda path: verify_file(path, vctx)


def _load_metadata(path: Path | None, record_code: str, count: int):  # noqa: ANN202
    from pydantic import ValidationError

    from trams.metadata import DocumentMetadata, RecordMetadata

    data: dict = {}
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(_("cannot read the metadata file ({reason})", reason=str(exc)),
                             path=path, hint=_("Give a JSON file with 'record' and "
                                               "'documents'.")) from None
    record_fields = dict(data.get("record", {}))
    if record_fields.get("fileCode", record_code) != record_code:
        raise InputError(_("the metadata file is for record {other}, not {code}",
                           other=record_fields["fileCode"], code=record_code), path=path)
    docs = list(data.get("documents", []))
    if len(docs) not in (0, count):
        raise InputError(_("the metadata file describes {found} documents, {count} were given",
                           found=len(docs), count=count), path=path)
    try:
        record = RecordMetadata.model_validate({**record_fields, "fileCode": record_code})
        documents = [DocumentMetadata.model_validate(d) if d else None for d in docs]
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(_("invalid metadata '{key}': {reason}",
                           key=".".join(map(str, err["loc"])), reason=err["msg"]),
                         path=path) from None
    return record, documents or [None] * count


def _page_count(pdf: Path) -> int:
    import pikepdf

    try:
        with pikepdf.open(pdf) as doc:
            return len(doc.pages)
    except (pikepdf.PdfError, OSError) as exc:
        raise InputError(_("cannot read the file as a PDF ({reason})", reason=str(exc)),
                         path=pdf) from None


def _open(ctx: typer.Context, folder: Path | None, *, writer: bool):  # noqa: ANN202
    from trams.cli.commands.common import config_from

    from trams.archive import Archive

    cfg = config_from(ctx)
    return Archive.open(folder or cfg.archive.path, layout=cfg.archive.layout,
                        agency_code=cfg.agency.code, organization=cfg.agency.name,
                        writer=writer)


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
            "JSON file with 'record' (record fields) and 'documents' (one object per PDF, "
            "in order).")),
        archive_dir: Path | None = typer.Option(None, "--archive", help=_(  # noqa: UP007
            "Archive folder (default: [archive] path of trams.toml).")),
        force_unverified: bool = typer.Option(False, "--force-unverified", help=_(
            "Archive files whose signatures fail or cannot be verified (recorded as such).")),
        trust: list[Path] = typer.Option([], "--trust", help=_(
            "Trust anchor certificates: PEM/DER file or folder (repeatable).")),
        as_json: bool = typer.Option(False, "--json", help=_("Report as JSON.")),
    ) -> None:
        from trams.cli.render import error_console, out_console, print_json

        from trams.metadata import DocumentMetadata

        rec, docs = _load_metadata(metadata, record, len(pdfs))
        verify = _verifier(ctx, trust)
        rows, refused = [], 0
        err = error_console()
        with _open(ctx, archive_dir, writer=True) as archive:
            for pdf, doc in zip(pdfs, docs, strict=True):
                report = verify(pdf)
                if report.verdict != PASSED and not force_unverified:
                    refused += 1
                    rows.append({"file": str(pdf), "status": "refused",
                                 "verdict": report.verdict})
                    err.print(_("{file}: refused, signature verdict {verdict}. Check it with "
                                "`trams verify`, or archive it anyway with --force-unverified.",
                                file=pdf, verdict=report.verdict), markup=False, soft_wrap=True)
                    continue
                sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
                if doc is None:
                    seq = archive.find_sequence(rec, sha) or archive.next_sequence(rec)
                    doc = DocumentMetadata(sequence=seq)
                done = archive.add_document(
                    rec, doc, pdf, source_hash=sha, page_count=_page_count(pdf),
                    signatures=[s.to_dict() for s in report.signatures],
                    verdict=report.verdict, quality={}, input_path=str(pdf))
                rows.append({"file": str(pdf), "verdict": report.verdict, **done.to_dict()})
        if as_json:
            print_json({"documents": rows}, kind="archive-add")
        else:
            out = out_console()
            for row in rows:
                if row["status"] != "refused":
                    label = STATUS[row["status"]]
                    out.print(_("{status}: {file} -> {pdf} (version {version})",
                                status=_(label), file=row["file"], pdf=row["pdf"],
                                version=row["version"]), markup=False, soft_wrap=True)
        code = ExitCode.OK if not refused else (
            ExitCode.PARTIAL if refused < len(pdfs) else ExitCode.VERIFY_FAILED)
        raise typer.Exit(int(code))

    @group.command("check", help=_("Check an archive: every file against its manifest, "
                                   "BagIt validity, the journal chain, files unknown to the "
                                   "state and the reverse; --deep also verifies signatures. "
                                   "Exit 14 when a problem is found."))
    def check(
        ctx: typer.Context,
        folder: Path | None = typer.Argument(None, help=_(  # noqa: UP007
            "Archive folder (default: [archive] path of trams.toml).")),
        deep: bool = typer.Option(False, "--deep", help=_("Also verify every signature.")),
        trust: list[Path] = typer.Option([], "--trust", help=_(
            "Trust anchor certificates: PEM/DER file or folder (repeatable).")),
        as_json: bool = typer.Option(False, "--json", help=_("Report as JSON.")),
    ) -> None:
        from trams.cli.render import out_console, print_json

        verifier = None
        if deep:
            verify = _verifier(ctx, trust)
            verifier = lambda path: verify(path).summary()  # noqa: E731
        from trams.archive.check import damaged_state_report
        from trams.archive.state import DamagedStateError

        try:
            with _open(ctx, folder, writer=False) as archive:
                report = archive.check(deep=deep, verifier=verifier)
        except DamagedStateError as exc:  # say what is wrong and how to rebuild: exit 14
            from trams.cli.commands.common import config_from

            report = damaged_state_report(folder or config_from(ctx).archive.path, exc)
        if as_json:
            print_json(report.to_dict(), kind="archive-check")
        else:
            out, lang = out_console(), get_language()
            for problem in report.problems:
                label = _("ERROR") if problem.severity == "error" else _("warning")
                out.print(f"{label}: {problem.path}: {problem.text(lang)}", markup=False,
                          soft_wrap=True)
            summary = _("{records} records, {documents} documents, {files} files checked, "
                        "{entries} journal entries, {signatures} signatures verified.",
                        records=report.records, documents=report.documents,
                        files=report.files, entries=report.journal_entries,
                        signatures=report.signatures_checked)
            verdict = _("Archive OK.") if report.ok else _(
                "Archive state damaged: run `trams archive rebuild`.") if any(
                p.kind.startswith("state_") for p in report.problems) else _(
                "Archive has problems: restore the files named above from a backup copy.")
            out.print(f"{summary} {verdict}", markup=False, soft_wrap=True)
        raise typer.Exit(int(ExitCode.OK if report.ok else ExitCode.ARCHIVE_INTEGRITY))

    @group.command("stats", help=_("Documents, pages, signed, failed and OCR quality per "
                                   "day, month or agency."))
    def stats(
        ctx: typer.Context,
        by: str = typer.Option("month", "--by", metavar="day|month|agency",
                               help=_("Group by day, month or agency.")),
        fmt: str = typer.Option("text", "--format", metavar="text|json|csv",
                                help=_("Output format.")),
        archive_dir: Path | None = typer.Option(None, "--archive", help=_(  # noqa: UP007
            "Archive folder (default: [archive] path of trams.toml).")),
    ) -> None:
        from trams.cli.render import out_console, print_json

        from trams.archive import STATS_COLUMNS

        if fmt not in ("text", "json", "csv"):
            raise typer.BadParameter(_("--format must be one of {formats}",
                                       formats="text, json, csv"))
        with _open(ctx, archive_dir, writer=False) as archive:
            rows = archive.stats(by=by)
        if fmt == "json":
            print_json({"by": by, "rows": rows}, kind="archive-stats")
        elif fmt == "csv":
            writer = csv.DictWriter(sys.stdout, fieldnames=STATS_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            from rich.table import Table

            table = Table(box=None)
            headers = {"period": _(GROUPS.get(by, by)), "documents": _("documents"),
                       "versions": _("versions"),
                       "pages": _("pages"), "signed": _("signed"), "failed": _("failed"),
                       "mean_confidence": _("mean OCR confidence"),
                       "needs_review": _("OCR review")}
            for column in STATS_COLUMNS:
                table.add_column(headers[column], justify="left" if column == "period"
                                 else "right")
            for row in rows:
                table.add_row(*("" if row[c] is None else str(row[c]) for c in STATS_COLUMNS))
            out_console().print(table)

    from trams.cli.commands import archive_more  # search, show, report, reindex, rebuild

    archive_more.register(group)
