"""Verify the signatures of a PDF that pyHanko cannot parse (broken xref, wrong offsets).

qpdf (through pikepdf) rebuilds a damaged cross-reference table from the objects it finds
in the file. That rebuilt structure is used only to *locate* the signature dictionaries
(field name, ``/ByteRange``, ``/Contents``); every CMS signature is then validated by
pyHanko (``async_validate_detached_cms`` / ``validate_tst_signed_data``) over the byte
ranges of the original, unrepaired bytes. The damage is reported as a file warning.

Without a readable revision history the changes after a signature cannot be analysed: a
signature whose byte range ends at the end of the file covers everything (nothing
changed after it); one that does not is INDETERMINATE / SIG_CONSTRAINTS_FAILURE, never
passed.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import pikepdf
from asn1crypto import cms
from trams.signing.notecodes import coded

from trams.i18n import N_

log = logging.getLogger(__name__)

W_REPAIRED = coded("structure_repaired", N_(
    "the file's structure is damaged ({reason}); its signatures were located in a repaired "
    "copy and verified over the original bytes"))
P_LATER_UNKNOWN = coded("later_changes_unknown", N_(
    "the file was changed after this signature and its damaged structure does not let the "
    "changes be analysed"))


@dataclass(frozen=True)
class RawSignature:
    field_name: str
    byte_range: tuple[int, ...]
    contents: bytes
    subfilter: str | None
    is_timestamp: bool


def locate(data: bytes) -> list[RawSignature]:
    """Signature dictionaries of a (repairable) PDF, in byte-range order. Raises when
    qpdf cannot open the file either."""
    found: list[RawSignature] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        seen: set = set()

        def walk(fields, prefix, inherited_ft, depth):
            if depth > 32:
                return
            for field in fields:
                try:
                    objgen = field.objgen
                except (AttributeError, ValueError):
                    objgen = None
                if objgen is not None and objgen != (0, 0):
                    if objgen in seen:
                        continue
                    seen.add(objgen)
                name = str(field.get("/T", "")) or None
                fq = prefix if name is None else (f"{prefix}.{name}" if prefix else name)
                ft = field.get("/FT", inherited_ft)
                value = field.get("/V")
                if ft == "/Sig" and isinstance(value, pikepdf.Dictionary) and \
                        "/ByteRange" in value and "/Contents" in value:
                    sub = value.get("/SubFilter")
                    found.append(RawSignature(
                        fq or f"Signature{len(found) + 1}",
                        tuple(int(v) for v in value.ByteRange),
                        bytes(value.Contents),
                        str(sub) if sub is not None else None,
                        value.get("/Type") == "/DocTimeStamp" or sub == "/ETSI.RFC3161"))
                kids = field.get("/Kids")
                if kids is not None:
                    walk(kids, fq, ft, depth + 1)

        acroform = pdf.Root.get("/AcroForm")
        if acroform is not None and "/Fields" in acroform:
            walk(acroform.Fields, "", None, 0)
    found.sort(key=lambda s: s.byte_range[-2] + s.byte_range[-1] if s.byte_range else 0)
    return found


def signed_bytes(data: bytes, byte_range: tuple[int, ...]) -> bytes:
    if len(byte_range) % 2 or any(v < 0 for v in byte_range):
        raise ValueError(f"malformed /ByteRange {list(byte_range)}")
    parts = []
    for start, length in zip(byte_range[::2], byte_range[1::2], strict=True):
        if start + length > len(data):
            raise ValueError(f"/ByteRange {list(byte_range)} goes past the end of the file")
        parts.append(data[start:start + length])
    return b"".join(parts)


def covers_whole_file(data: bytes, raw: RawSignature) -> bool:
    br = raw.byte_range
    return (len(br) == 4 and br[0] == 0 and br[2] + br[3] == len(data)
            and br[2] - br[1] == len(raw.contents) * 2 + 2)


def signed_data_of(raw: RawSignature) -> cms.SignedData:
    info = cms.ContentInfo.load(raw.contents)
    if info["content_type"].native != "signed_data":
        raise ValueError(f"CMS content type {info['content_type'].native}")
    return info["content"]
