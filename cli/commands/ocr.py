"""`trams ocr INPUT... OUTPUT` (or `-o OUTPUT`): scans -> recognized documents -> PDF/A.

As `ocrmypdf IN OUT`: the last argument is the output when -o is not given. An output
ending in ``.pdf`` is one file (the inputs must make one document); ``-`` is standard
output; anything else is a folder, one PDF/A per document, named by the naming rule. An
input ``-`` is read from standard input.

Parse -> :func:`trams.app.ocr.ocr_files` -> render.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from trams.cli.commands.cluster_option import cluster_option
from trams.cli.commands.common import FORMAT_HELP, JSON_HELP, config_from, output_format
from trams.cli.render import error_console, out_console, print_json

from trams import labels
from trams.formats import HEAD_BYTES, suffix_of
from trams.i18n import _, _n

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.

STDIO = "-"


def _is_single(output: Path | str) -> bool:
    return str(output) == STDIO or str(output).lower().endswith(".pdf")


def _split(inputs: list[str], output: str | None) -> tuple[list[str], str]:
    """Inputs and output: ``-o`` given, or the last argument (as ``ocrmypdf IN OUT``)."""
    if output is not None:
        return inputs, output
    if len(inputs) < 2:
        raise typer.BadParameter(
            _("give the output after the inputs (a .pdf file for one document, - for "
              "standard output, or a folder), or with -o"), param_hint="OUTPUT")
    return inputs[:-1], inputs[-1]


def _stdin_scan(folder: Path) -> Path:
    data = sys.stdin.buffer.read()
    suffix = suffix_of(data[:HEAD_BYTES])  # what it is, by its first bytes: the readers
    if suffix is None:                     # go by file name
        raise typer.BadParameter(_("standard input is not a scan TRAMS reads (TIFF, JPEG, "
                                   "PNG, BMP or PDF)"), param_hint="-")
    path = folder / f"stdin{suffix}"
    path.write_bytes(data)
    return path


def ocr_command(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(
        metavar="INPUT",
        help=_("Scanned files or folders (- : standard input), then the output unless -o is "
               "given: a .pdf file for one document, - for standard output, or a folder."))],
    output: Annotated[str | None, typer.Option(  # noqa: UP007
        "--output", "-o", metavar="OUTPUT",
        help=_("Where to write: a folder (one PDF/A file per document), a .pdf file (one "
               "document), or - (standard output)."))] = None,
    languages: Annotated[str | None, typer.Option(  # noqa: UP007
        "--languages", "-l",
        help=_("Tesseract languages, e.g. vie or vie+eng (default: ocr.languages)."))] = None,
    jobs: Annotated[int | None, typer.Option(  # noqa: UP007
        "--jobs", "-j", min=1,
        help=_("Worker processes (default: jobs in trams.toml)."))] = None,
    pdfa: Annotated[str | None, typer.Option(  # noqa: UP007
        "--pdfa-level", metavar="1b|2b|2u",
        help=_("PDF/A level (default: pdfa.level, 2b)."))] = None,
    jpeg_quality: Annotated[int | None, typer.Option(  # noqa: UP007
        "--jpeg-quality", min=10, max=100,
        help=_("JPEG quality of grayscale and colour pages (default: pdfa.jpeg_quality, "
               "60)."))] = None,
    lossless: Annotated[bool, typer.Option(
        "--lossless", help=_("Keep page images lossless (larger files; pdfa.lossless)."))
    ] = False,
    metadata: Annotated[Path | None, typer.Option(  # noqa: UP007
        "--metadata", exists=True, dir_okay=False,
        help=_("TOML, JSON or CSV file of record and document fields (Circular 05/2025)."),
    )] = None,
    grouping: Annotated[str | None, typer.Option(  # noqa: UP007
        "--grouping", metavar="file|folder|coversheet",
        help=_("How scans make documents (default: inbox.grouping)."))] = None,
    deskew: Annotated[bool | None, typer.Option(  # noqa: UP007
        "--deskew/--no-deskew", help=_("Straighten skewed pages (default: ocr.deskew)."))
    ] = None,
    dpi: Annotated[float | None, typer.Option(  # noqa: UP007
        "--default-dpi", min=1,
        help=_("Resolution of scans whose files do not record one (default: "
               "inbox.default_dpi)."))] = None,
    accept_low_dpi: Annotated[bool, typer.Option(
        "--accept-low-dpi",
        help=_("Accept pages under the 200 dpi floor (still recorded in the report; "
               "inbox.accept_low_dpi)."))] = False,
    keep_original: Annotated[bool, typer.Option(
        "--keep-original-pixels",
        help=_("Keep the scanned pixels as they are, no fine deskew of the image "
               "(ocr.keep_original_pixels)."))] = False,
    drop_blank: Annotated[bool, typer.Option(
        "--drop-blank-pages",
        help=_("Drop blank pages, e.g. backs of duplex scans (inbox.drop_blank_pages)."))
    ] = False,
    keep_ocr_layer: Annotated[bool | None, typer.Option(  # noqa: UP007
        "--keep-ocr-layer/--redo-ocr",
        help=_("PDFs that already have an OCR layer: keep it and convert the PDF as it is, "
               "or strip it and recognize again (default: ocr.keep_ocr_layer, redo)."))
    ] = None,
    sidecar: Annotated[str | None, typer.Option(  # noqa: UP007
        "--sidecar", metavar="[FILE]",
        help=_("Also write the recognized text: into FILE (one document; - : standard "
               "output), or alone: NAME.txt beside each PDF (pdfa.sidecar)."))] = None,
    report_file: Annotated[bool, typer.Option(
        "--report", help=_("Also write a JSON quality report NAME.quality.json."))] = False,
    force: Annotated[bool, typer.Option(
        "--force", help=_("Replace output files that already exist (default: refuse)."))
    ] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help=_("Print only problems (no progress, no summary)."))] = False,
    fmt: Annotated[str | None, typer.Option(  # noqa: UP007
        "--format", metavar="text|json", help=_(FORMAT_HELP))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_(JSON_HELP))] = False,
    cluster: Annotated[str | None, cluster_option()] = None,  # noqa: UP007
) -> int:
    """Recognize scans and write two-layer PDF/A files with archival metadata."""
    from trams.app.ocr import OcrOptions, ocr_files

    fmt = output_format(fmt, as_json, ("text", "json"))
    inputs, target = _split(paths, output)
    to_stdout = target == STDIO
    if to_stdout and fmt == "json":
        raise typer.BadParameter(_("the PDF goes to standard output: JSON cannot go there "
                                   "too"), param_hint="--format")
    if sidecar == STDIO and (to_stdout or fmt == "json"):
        raise typer.BadParameter(_("standard output is already taken"), param_hint="--sidecar")
    if sidecar and not _is_single(target):
        raise typer.BadParameter(_("a sidecar FILE needs one output document (OUTPUT.pdf or "
                                   "-); give --sidecar alone for NAME.txt beside each PDF"),
                                 param_hint="--sidecar")
    if inputs.count(STDIO) > 1:
        raise typer.BadParameter(_("standard input can be read once"), param_hint="-")
    for name in inputs:
        if name != STDIO and not Path(name).exists():
            raise typer.BadParameter(_("'{path}' does not exist", path=name),
                                     param_hint="INPUT")
    config = config_from(ctx)
    console = error_console()
    scratch = Path(tempfile.mkdtemp(prefix="trams-ocr-io-"))
    try:
        sources = tuple(_stdin_scan(scratch) if name == STDIO else Path(name)
                        for name in inputs)
        pdf_path = scratch / "stdout.pdf" if to_stdout else Path(target)
        text_path = scratch / "stdout.txt" if sidecar == STDIO else \
            Path(sidecar) if sidecar else None

        def show(event: str, data: dict) -> None:
            if event == "input_failed":
                console.print(_("Skipped: {message}", message=f"{data['line']} [{data['code']}]"),
                              markup=False, soft_wrap=True)
            elif event == "document_failed":
                console.print(_("Failed: {message}", message=f"{data['line']} [{data['code']}]"),
                              markup=False, soft_wrap=True)
            elif event == "document_written" and not quiet and not to_stdout:
                count = data["pdf"]["pages"]
                console.print(_("Written: {path} ({pages}, {verdict})",
                                path=data["pdf"]["path"],
                                verdict=labels.name("ocr_verdict", data["verdict"]),
                                pages=_n("{count} page", "{count} pages", count,
                                         count=count)), markup=False, soft_wrap=True)
            if event == "document_written" and data["verdict"] == "failed":
                for note in data["notes"][-1:]:  # why the quality gate failed it
                    console.print(_("Warning: {message}", message=note), markup=False,
                                  soft_wrap=True)

        report = ocr_files(config, OcrOptions(
            inputs=sources, output=pdf_path, single=_is_single(target), languages=languages,
            jobs=jobs, pdfa=pdfa, jpeg_quality=jpeg_quality, lossless=lossless,
            metadata=metadata, grouping=grouping, deskew=deskew, dpi=dpi,
            accept_low_dpi=accept_low_dpi, keep_original=keep_original,
            drop_blank=drop_blank, keep_ocr_layer=keep_ocr_layer,
            sidecar=sidecar == "", sidecar_file=text_path, report=report_file,
            force=force, cluster=cluster), sinks=[show])
        for path in (pdf_path if to_stdout else None, text_path if sidecar == STDIO else None):
            if path is not None and report.documents and path.is_file():
                with path.open("rb") as fh:
                    shutil.copyfileobj(fh, sys.stdout.buffer)
                sys.stdout.buffer.flush()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if fmt == "json":
        print_json(report.to_dict(), kind="ocr")
    elif not quiet:
        where = _("standard output") if to_stdout else target
        (console if to_stdout or sidecar == STDIO else out_console()).print(
            _n("{count} PDF/A file written to {folder}, {failed}.",
               "{count} PDF/A files written to {folder}, {failed}.", len(report.documents),
               count=len(report.documents), folder=where,
               failed=_n("{count} failure", "{count} failures", len(report.failures),
                         count=len(report.failures))), markup=False, soft_wrap=True)
        if report.workers:
            from trams.cli.run_render import worker_pages

            (console if to_stdout or sidecar == STDIO else out_console()).print(
                worker_pages(report.workers), markup=False, soft_wrap=True)
    return int(report.exit_code)


def register(app: typer.Typer) -> None:
    app.command("ocr", help=_(
        "Recognize scans and write two-layer PDF/A files: `trams ocr IN.tif OUT.pdf` for "
        "one document, `trams ocr SCANS... -o FOLDER` for many."))(ocr_command)
