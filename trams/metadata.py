"""Record ("hồ sơ") and document metadata of Circular 05/2025/TT-BNV.

Field names follow the Circular's (camelCase, as exchanged between archive systems);
lengths are the Circular's maximums *(secondary source: see shared/domain.md)* and are
validated here, in one place. Values are Unicode NFC.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from trams.i18n import _


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _vn_date(value: object) -> object:
    """Accept DD/MM/YYYY (the Circular's form) or ISO YYYY-MM-DD."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", value)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            return date(y, mo, d)
    return value


def parse_box(text: str) -> tuple[float, float, float, float]:
    """"x0,y0,x1,y1" (points, x0 < x1, y0 < y1, none negative) as four numbers."""
    try:
        x0, y0, x1, y1 = (float(v) for v in text.replace(";", ",").split(","))
    except ValueError:
        raise ValueError(_("a box is four numbers x0,y0,x1,y1 in points, e.g. "
                           "330,95,520,165")) from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or not (0 <= x0 < x1 and 0 <= y0 < y1):
        raise ValueError(_("a box needs 0 <= x0 < x1 and 0 <= y0 < y1 (points from the "
                           "page's bottom-left corner)"))
    return x0, y0, x1, y1


def Text(max_length: int):  # noqa: N802 - reads like a type in the models below
    return Annotated[str, BeforeValidator(_nfc), Field(max_length=max_length)]


VnDate = Annotated[date, BeforeValidator(_vn_date)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_dict(self) -> dict:
        """JSON-ready dict without empty fields; dates as DD/MM/YYYY like the Circular."""
        out = {}
        for key, value in self.model_dump(exclude_none=True).items():
            out[key] = value.strftime("%d/%m/%Y") if isinstance(value, date) else value
        return out


class RecordMetadata(_Model):
    """A record (hồ sơ): the folder a set of documents is archived under."""

    fileCode: Text(100)  # agency id + year + record number and notation  # noqa: N815
    title: Text(1000) | None = None
    maintenance: Text(100) | None = None  # retention period, codes 01-07
    mode: Text(30) | None = None  # access regime: 01 public, 02 conditional, 03 secret
    language: Text(100) | None = "vi"
    startDate: VnDate | None = None  # noqa: N815
    endDate: VnDate | None = None  # noqa: N815
    keyword: Text(100) | None = None
    totalDoc: int | None = Field(default=None, ge=0, lt=10**10)  # noqa: N815
    numberOfPaper: int | None = Field(default=None, ge=0, lt=10**10)  # noqa: N815
    numberOfPage: int | None = Field(default=None, ge=0, lt=10**10)  # noqa: N815
    format: Text(50) | None = None
    inforSign: Text(30) | None = None  # noqa: N815
    confidenceLevel: Text(40) | None = "02"  # 01 born digital, 02 digitized, 03 mixed  # noqa: N815
    paperFileCode: Text(100) | None = None  # required for digitized records  # noqa: N815
    riskRecovery: bool | None = None  # noqa: N815
    riskRecoveryStatus: Text(2) | None = None  # noqa: N815
    description: Text(2000) | None = None

    @field_validator("fileCode")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("fileCode must not be empty")
        return v


class DocumentMetadata(_Model):
    """One document (văn bản) inside a record."""

    sequence: int = Field(default=1, ge=1, le=9_999_999)  # 7-digit sequence in the record
    docId: Text(25) | None = None  # noqa: N815
    docCode: Text(100) | None = None  # record fileCode + 7-digit sequence  # noqa: N815
    typeName: Text(10) | None = None  # codes 01-32  # noqa: N815
    codeNumber: Text(11) | None = None  # noqa: N815
    codeNotation: Text(30) | None = None  # noqa: N815
    issuedDate: VnDate | None = None  # noqa: N815
    organName: Text(200) | None = None  # noqa: N815
    subject: Text(500) | None = None
    numberOfPage: int | None = Field(default=None, ge=0, lt=10**4)  # noqa: N815
    autograph: Text(2000) | None = None
    process: bool | None = None
    language: Text(100) | None = "vi"
    keyword: Text(100) | None = None
    mode: Text(30) | None = None
    confidenceLevel: Text(40) | None = None  # noqa: N815
    description: Text(2000) | None = None
    # TRAMS's own field, not the Circular's: where the leader's signature image goes on the
    # last page, "x0,y0,x1,y1" in points from the page's bottom-left corner, for the rare
    # page whose signer block TRAMS cannot read (the printed name is then not checked).
    signatureBox: Text(60) | None = None  # noqa: N815

    @field_validator("signatureBox")
    @classmethod
    def _box(cls, v: str | None) -> str | None:
        if v is not None:
            parse_box(v)
        return v

    def signature_box(self) -> tuple[float, float, float, float] | None:
        return parse_box(self.signatureBox) if self.signatureBox else None

    def doc_code(self, record: RecordMetadata) -> str:
        """docCode: given, or the record's fileCode + the 7-digit sequence number."""
        return self.docCode or f"{record.fileCode}.{self.sequence:07d}"

    def file_stem(self, record: RecordMetadata) -> str:
        """Circular 05/2025 file name stem: record code + '.' + document sequence number."""
        return f"{record.fileCode}.{self.sequence:07d}"
