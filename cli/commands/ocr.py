"""`trams ocr INPUT... -o OUTPUT`: scans -> recognized documents -> PDF/A files.

Thin: options -> trams.scanning (discover, recognize_documents) -> trams.pdf.write_pdfa
-> render. Each PDF (and its sidecar text and quality report) is written atomically.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from trams.cli.commands.common import config_from
from trams.cli.render import error_console, out_console, print_json

from trams.errors import ExitCode, InputError, TramsError
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.metadata_io import load_metadata
from trams.models import BornDigitalDocument, DocumentSource, RecognizedDocument
from trams.naming import document_stem
from trams.pdf.assemble import LEVELS, write_pdfa
from trams.pdf.report import write_report


def _cleanup(document: RecognizedDocument | BornDigitalDocument) -> None:
    for path in document.work_files:
        Path(path).unlink(missing_ok=True)


def ocr_command(
    ctx: typer.Context,
    inputs: Annotated[list[Path], typer.Argument(help=_("Scanned files or folders."),
                                                 exists=True)],
    output: Annotated[Path, typer.Option("--output", "-o",
                                         help=_("Folder for the PDF/A files."))],
    ocr_lang: Annotated[str | None, typer.Option(  # noqa: UP007
        "--ocr-lang", "-l",
        help=_("Tesseract languages, e.g. vie or vie+eng (default: ocr.languages)."))] = None,
    jobs: Annotated[int | None, typer.Option(  # noqa: UP007
        "--jobs", "-j", min=1, help=_("Pages recognized in parallel."))] = None,
    pdfa: Annotated[str | None, typer.Option(  # noqa: UP007
        "--pdfa", metavar="1b|2b|2u", help=_("PDF/A level (default: pdfa.level, 2b)."))] = None,
    image_quality: Annotated[int | None, typer.Option(  # noqa: UP007
        "--image-quality", min=10, max=100,
        help=_("JPEG quality of grayscale and colour pages (default 60)."))] = None,
    lossless: Annotated[bool, typer.Option(
        "--lossless", help=_("Keep page images lossless (larger files)."))] = False,
    metadata: Annotated[Path | None, typer.Option(  # noqa: UP007
        "--metadata", exists=True, dir_okay=False,
        help=_("TOML, JSON or CSV file of record and document fields (Circular 05/2025)."),
    )] = None,
    grouping: Annotated[str | None, typer.Option(  # noqa: UP007
        "--grouping", metavar="file|folder|coversheet",
        help=_("How scans make documents (default: inbox.grouping)."))] = None,
    deskew: Annotated[bool | None, typer.Option(  # noqa: UP007
        "--deskew/--no-deskew", help=_("Straighten skewed pages."))] = None,
    dpi: Annotated[float | None, typer.Option(  # noqa: UP007
        "--dpi", min=1, help=_("Resolution of scans whose files do not record one."))] = None,
    accept_low_dpi: Annotated[bool, typer.Option(
        "--accept-low-dpi",
        help=_("Accept pages under the 200 dpi floor (still recorded in the report)."))] = False,
    keep_original: Annotated[bool, typer.Option(
        "--keep-original",
        help=_("Keep the scanned pixels as they are (no fine deskew of the image)."))] = False,
    drop_blank: Annotated[bool, typer.Option(
        "--drop-blank", help=_("Drop blank pages (e.g. backs of duplex scans)."))] = False,
    keep_ocr_layer: Annotated[bool | None, typer.Option(  # noqa: UP007
        "--keep-ocr-layer/--redo-ocr",
        help=_("PDFs that already have an OCR layer: keep it and convert the PDF as it is, "
               "or strip it and recognize again (default: ocr.keep_ocr_layer, redo)."))
    ] = None,
    sidecar: Annotated[bool, typer.Option(
        "--sidecar", help=_("Also write the recognized text as NAME.txt."))] = False,
    report: Annotated[bool, typer.Option(
        "--report", help=_("Also write a JSON quality report NAME.quality.json."))] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help=_("Print a JSON summary on stdout."))] = False,
) -> int:
    """Recognize scans and write two-layer PDF/A files with archival metadata."""
    from trams.scanning import ScanOptions, discover, recognize_documents

    config = config_from(ctx)
    level = pdfa or config.pdfa.level
    if level not in LEVELS:
        raise InputError(_("unknown PDF/A level '{level}'", level=level),
                         hint=_("Use one of: {levels}.", levels=", ".join(LEVELS)))
    group = grouping or config.inbox.grouping
    if group not in ("file", "folder", "coversheet"):
        raise InputError(_("unknown grouping '{grouping}'", grouping=group),
                         hint=_("Use file, folder or coversheet."))
    options = ScanOptions.from_trams_config(
        config, languages=ocr_lang, deskew=deskew, jpeg_quality=image_quality,
        lossless=True if lossless else None, default_dpi=dpi,
        accept_low_dpi=True if accept_low_dpi else None,
        keep_original_pixels=True if keep_original else None,
        drop_blank_pages=True if drop_blank else None, keep_ocr_layer=keep_ocr_layer,
        pdfa_level=level)
    meta = load_metadata(metadata) if metadata else None
    found = discover(inputs, grouping=group, default_dpi=options.default_dpi,
                     keep_ocr_layer=options.keep_ocr_layer)
    console = error_console()
    done: list[dict] = []
    failed: list[dict] = [f.to_dict() for f in found.failures]
    for failure in found.failures:
        console.print(_("Skipped: {message}", message=failure.message), markup=False)
    # Names first: a bad record code is reported before any page is recognized.
    plan = _plan(found.documents, meta, output)
    for name, error in plan.errors:
        failed.append({"document": name, "error": type(error).__name__,
                       "message": error.one_line()})
        console.print(_("Failed: {message}", message=error.one_line()), markup=False)
    output.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="trams-ocr-"))
    try:
        results = recognize_documents([t.source for t in plan.targets], options,
                                      jobs=jobs or config.jobs, workdir=workdir)
        for target, result in zip(plan.targets, results, strict=True):
            if not isinstance(result, RecognizedDocument | BornDigitalDocument):
                failed.append(result.to_dict())
                console.print(_("Failed: {message}", message=result.message), markup=False)
                continue
            try:
                done.append(_write(result, target, level, sidecar=sidecar, report=report,
                                   workdir=workdir))
                console.print(_("Written: {path} ({pages} pages, OCR {verdict})",
                                path=done[-1]["pdf"]["path"], pages=done[-1]["pdf"]["pages"],
                                verdict=result.verdict), markup=False)
            except TramsError as exc:
                failed.append({"document": result.source.name, "error": type(exc).__name__,
                               "message": exc.one_line()})
                console.print(_("Failed: {message}", message=exc.one_line()), markup=False)
            finally:
                _cleanup(result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if as_json:
        print_json({"documents": done, "failures": failed}, kind="ocr")
    else:
        out = out_console()
        out.print(_("{done} PDF/A file(s) written to {folder}, {failed} failure(s).",
                    done=len(done), folder=str(output), failed=len(failed)), markup=False)
    if failed:
        return int(ExitCode.PARTIAL if done else ExitCode.INPUT)
    return int(ExitCode.OK)


@dataclass(frozen=True)
class _Target:
    source: DocumentSource
    record: RecordMetadata | None
    document: DocumentMetadata | None
    dest: Path


@dataclass(frozen=True)
class _Plan:
    targets: list[_Target]
    errors: list[tuple[str, TramsError]]


def _plan(sources, meta, output: Path) -> _Plan:
    """Metadata and a checked, unique output name for every document, before any OCR."""
    used: set[int] = set()
    names: set[str] = set()
    targets, errors = [], []
    for position, source in enumerate(sources):
        record, doc = source.record, source.document
        if meta is not None:
            match = meta.for_document(source.name, position, used)
            if match is not None:
                record, doc = match
        try:
            stem = document_stem(source.name, record, doc)
            if stem in names:
                raise InputError(
                    _("two documents would both be named {name}.pdf", name=stem),
                    path=output / f"{stem}.pdf",
                    hint=_("Give each document its own sequence number in the metadata."))
        except TramsError as exc:
            errors.append((source.name, exc))
            continue
        names.add(stem)
        targets.append(_Target(source, record, doc, output / f"{stem}.pdf"))
    return _Plan(targets, errors)


def _write(document: RecognizedDocument | BornDigitalDocument, target: _Target, level: str, *,
           sidecar: bool, report: bool, workdir: Path) -> dict:
    stem, output = target.dest.stem, target.dest.parent
    result = write_pdfa(document, target.record, target.document, target.dest, level=level,
                        sidecar=output / f"{stem}.txt" if sidecar else None, workdir=workdir)
    entry = {"document": document.source.name, "pdf": result.to_dict(),
             "verdict": document.verdict, "notes": list(document.notes)}
    if sidecar:
        entry["sidecar"] = str(output / f"{stem}.txt")
    if report:
        entry["report"] = str(write_report(document, result, output / f"{stem}.quality.json"))
    return entry


def register(app: typer.Typer) -> None:
    app.command("ocr", help=_("Recognize scans and write two-layer PDF/A files."))(ocr_command)
