"""`trams coversheet -o SHEET.pdf --record CODE ...`: print a separator sheet with a QR code.

Thin: options -> trams.scanning.write_coversheets -> one line on stdout.
"""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError
from trams.cli.render import out_console, print_json

from trams.errors import InputError
from trams.i18n import _


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
    as_json: bool = typer.Option(False, "--json", help=_("Print a JSON summary on stdout.")),
) -> int:
    """Write a cover sheet to put in front of a document before scanning."""
    from trams.scanning import CoverSheet, write_coversheets

    from trams.metadata import DocumentMetadata, RecordMetadata

    fields = {"sequence": sequence, "typeName": doc_type, "codeNumber": number,
              "codeNotation": notation, "issuedDate": issued, "subject": subject,
              "organName": organ}
    try:
        sheet = CoverSheet(
            record=RecordMetadata(fileCode=record),
            document=DocumentMetadata(**{k: v for k, v in fields.items() if v is not None}))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(_("invalid cover sheet field '{field}': {reason}",
                           field=".".join(str(k) for k in err["loc"]), reason=err["msg"]),
                         hint=_("Correct the option and run again.")) from None
    written = write_coversheets([sheet], output)
    if as_json:
        print_json({"path": str(written), "payload": sheet.payload()}, kind="coversheet")
    else:
        out_console().print(_("Cover sheet written: {path}", path=str(written)), markup=False)
    return 0


def register(app: typer.Typer) -> None:
    app.command("coversheet",
                help=_("Print a cover sheet (QR code + fields) to separate scanned documents."),
                )(coversheet_command)
