"""`trams coversheet`: a separator sheet with a QR code carrying record/document fields."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from trams.scanning import CoverSheet, write_coversheets

from trams.archive.layout import check_component
from trams.errors import ExitCode, InputError
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.naming import record_stem


@dataclass(frozen=True)
class CoversheetOptions:
    output: Path
    record: str  # the record code (mã hồ sơ)
    sequence: int = 1
    type_name: str | None = None  # document type code, 01-32 (Circular 05/2025)
    number: str | None = None
    notation: str | None = None
    issued: str | None = None  # DD/MM/YYYY
    subject: str | None = None
    organ: str | None = None
    signature_box: str | None = None  # "x0,y0,x1,y1": the leader's box on the last page


@dataclass(frozen=True)
class CoversheetReport:
    path: Path
    payload: str
    exit_code: ExitCode = ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "payload": self.payload}


def coversheet(options: CoversheetOptions) -> CoversheetReport:
    """Write a cover sheet to put in front of a document before scanning."""
    fields = {"sequence": options.sequence, "typeName": options.type_name,
              "codeNumber": options.number, "codeNotation": options.notation,
              "issuedDate": options.issued, "subject": options.subject,
              "organName": options.organ, "signatureBox": options.signature_box}
    try:
        sheet = CoverSheet(
            record=RecordMetadata(fileCode=options.record),
            document=DocumentMetadata(**{k: v for k, v in fields.items() if v is not None}))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(_("invalid cover sheet field '{field}': {reason}",
                           field=".".join(str(k) for k in err["loc"]), reason=err["msg"]),
                         hint=_("Correct the option and run again."),
                         code="coversheet_field_invalid") from None
    # The checks `trams run` makes on this document's names, now, not after the scanning:
    # the file name (record code + sequence) and the record's folder in the archive.
    record_stem(sheet.record, sheet.document)
    check_component(sheet.record.fileCode, what="file_code")
    return CoversheetReport(write_coversheets([sheet], options.output), sheet.payload())
