"""`trams ocr INPUT... -o OUTPUT`: scans -> recognized documents -> PDF/A files.

Parse -> :func:`trams.app.ocr.ocr_files` -> render.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from trams.app.ocr import OcrOptions, ocr_files
from trams.cli.commands.cluster_option import cluster_option
from trams.cli.commands.common import config_from
from trams.cli.render import error_console, out_console, print_json

from trams.i18n import _, _n


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
    report_file: Annotated[bool, typer.Option(
        "--report", help=_("Also write a JSON quality report NAME.quality.json."))] = False,
    force: Annotated[bool, typer.Option(
        "--force", help=_("Replace output files that already exist (default: refuse)."))
    ] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help=_("Print a JSON summary on stdout."))] = False,
    cluster: Annotated[str | None, cluster_option()] = None,  # noqa: UP007
) -> int:
    """Recognize scans and write two-layer PDF/A files with archival metadata."""
    config = config_from(ctx)
    console = error_console()

    def show(event: str, data: dict) -> None:
        if event == "input_failed":
            console.print(_("Skipped: {message}", message=data["line"]), markup=False)
        elif event == "document_failed":
            console.print(_("Failed: {message}", message=data["line"]), markup=False)
        elif event == "document_written":
            count = data["pdf"]["pages"]
            console.print(_("Written: {path} ({pages}, OCR {verdict})",
                            path=data["pdf"]["path"], verdict=data["verdict"],
                            pages=_n("{count} page", "{count} pages", count, count=count)),
                          markup=False)

    report = ocr_files(config, OcrOptions(
        inputs=tuple(inputs), output=output, languages=ocr_lang, jobs=jobs, pdfa=pdfa,
        jpeg_quality=image_quality, lossless=lossless, metadata=metadata, grouping=grouping,
        deskew=deskew, dpi=dpi, accept_low_dpi=accept_low_dpi, keep_original=keep_original,
        drop_blank=drop_blank, keep_ocr_layer=keep_ocr_layer, sidecar=sidecar,
        report=report_file, force=force, cluster=cluster),
        sinks=[show])
    if as_json:
        print_json(report.to_dict(), kind="ocr")
    else:
        out_console().print(_("{done} PDF/A file(s) written to {folder}, {failed} failure(s).",
                              done=len(report.documents), folder=str(output),
                              failed=len(report.failures)), markup=False)
        if report.workers:
            from trams.cli.run_render import worker_pages

            out_console().print(worker_pages(report.workers), markup=False, soft_wrap=True)
    return int(report.exit_code)


def register(app: typer.Typer) -> None:
    app.command("ocr", help=_("Recognize scans and write two-layer PDF/A files."))(ocr_command)
