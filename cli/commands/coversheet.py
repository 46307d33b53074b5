"""`trams coversheet -o SHEET.pdf --record CODE ...`: print a separator sheet with a QR code.

Parse -> :func:`trams.app.coversheet.coversheet` -> one line on stdout.
"""

from __future__ import annotations

from pathlib import Path

import typer
from trams.cli.commands.common import FORMAT_HELP, JSON_HELP, output_format
from trams.cli.render import out_console, print_json

from trams.i18n import _

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.


def coversheet_command(
    output: Path = typer.Option(..., "--output", "-o", help=_("PDF file to write.")),
    record: str = typer.Option(..., "--record", help=_("Record code (mã hồ sơ).")),
    sequence: int = typer.Option(1, "--sequence", min=1,
                                 help=_("Sequence number of the document in the record.")),
    doc_type: str | None = typer.Option(  # noqa: UP007
        None, "--type", help=_("Document type code (01-32, Circular 05/2025).")),
    number: str | None = typer.Option(None, "--number",  # noqa: UP007
                                         help=_("Document number, e.g. 125.")),
    notation: str | None = typer.Option(None, "--notation",  # noqa: UP007
                                           help=_("Notation, e.g. QĐ-UBND.")),
    issued: str | None = typer.Option(None, "--date",  # noqa: UP007
                                         help=_("Issue date, DD/MM/YYYY.")),
    subject: str | None = typer.Option(None, "--subject",  # noqa: UP007
                                          help=_("Subject (trích yếu).")),
    organ: str | None = typer.Option(None, "--organ",  # noqa: UP007
                                        help=_("Issuing body.")),
    signature_box: str | None = typer.Option(  # noqa: UP007
        None, "--signature-box", metavar="x0,y0,x1,y1",
        help=_("Leader's signature box on the last page, in points, for a page whose signer "
               "block TRAMS cannot read.")),
    fmt: str | None = typer.Option(None, "--format", metavar="text|json",  # noqa: UP007
                                   help=_(FORMAT_HELP)),
    as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
) -> int:
    """Write a cover sheet to put in front of a document before scanning."""
    as_json = output_format(fmt, as_json, ("text", "json")) == "json"
    from trams.app.coversheet import CoversheetOptions, coversheet

    report = coversheet(CoversheetOptions(
        output=output, record=record, sequence=sequence, type_name=doc_type, number=number,
        notation=notation, issued=issued, subject=subject, organ=organ,
        signature_box=signature_box))
    if as_json:
        print_json(report.to_dict(), kind="coversheet")
    else:
        out_console().print(_("Cover sheet written: {path}", path=str(report.path)),
                            markup=False)
    return 0


def register(app: typer.Typer) -> None:
    app.command("coversheet",
                help=_("Print a cover sheet (QR code + fields) to separate scanned documents."),
                )(coversheet_command)
