"""`trams sign --extend`: keep old signatures verifiable as their timestamps age.

Adds current validation data (certificates, OCSP responses, CRLs) for every signature and
for the last document timestamp to the DSS, then a fresh document timestamp over it all
(PAdES B-LTA renewal, ETSI EN 319 142-1). Incremental updates only: nothing signed changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import dss
from pyhanko_certvalidator.errors import PathError, ValidationError
from trams.signing.batch import SigningBatch, TsaSpec, unreachable_tsa
from trams.signing.inspect import validate_integrity

from trams.errors import InputError, SigningError
from trams.fs import atomic_path, read_input
from trams.i18n import _

TIMESTAMP_FIELD = "ArchiveTimestamp"


@dataclass(frozen=True)
class ExtendResult:
    source: Path
    output: Path
    signatures_extended: int
    signatures_validated: int
    tsa_url: str | None

    def to_dict(self) -> dict:
        return {"source": str(self.source), "output": str(self.output),
                "signatures_extended": self.signatures_extended,
                "signatures_validated": self.signatures_validated, "tsa_url": self.tsa_url}


@dataclass(frozen=True)
class ArchiveTimestamp:
    """The newest document timestamp of a file: when it was made and until when its
    authority's certificate is valid (a renewal is due before that)."""

    field_name: str
    time: datetime | None
    expires: datetime


def _reader(data: bytes, path: Path | None) -> PdfFileReader:
    """The PDF, its signatures readable (InputError when not). An encrypted PDF is refused:
    an update of it would have to be encrypted with a key TRAMS does not hold, and PDF/A
    forbids encryption anyway."""
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            raise InputError(_("the PDF is encrypted: its signatures cannot be extended"),
                             path=path, hint=_("Keep it as it is, or archive a decrypted "
                                               "copy (qpdf --decrypt) if its signatures "
                                               "allow it."), code="pdf_encrypted")
        reader.embedded_signatures  # noqa: B018 - a damaged file or CMS fails here
    except (PdfError, ValueError) as exc:  # damaged structure, a CMS pyHanko cannot take
        raise InputError(_("the PDF's signatures cannot be read ({reason})",
                           reason=str(exc).splitlines()[0] or type(exc).__name__),
                         path=path, hint=_("Check it with `trams verify`; the archived file "
                                           "stays as it is."),
                         code="signatures_unreadable") from None
    return reader


def signature_count(data: bytes, path: Path | None = None) -> int:
    """How many signatures (not document timestamps) the PDF holds (InputError when they
    cannot be read, or the PDF is encrypted)."""
    return len(_reader(data, path).embedded_regular_signatures)


def newest_archive_timestamp(data: bytes, path: Path | None = None
                             ) -> ArchiveTimestamp | None:
    """The last document timestamp of the PDF (PAdES B-LTA), or None when it has none."""
    stamps = _reader(data, path).embedded_timestamp_signatures
    if not stamps:
        return None
    newest = max(stamps, key=lambda s: s.signed_revision)
    signed = newest.signed_data["encap_content_info"]["content"].parsed
    return ArchiveTimestamp(newest.field_name, signed["gen_time"].native,
                            newest.signer_cert.not_valid_after)


def extend_pdf(src: Path, dst: Path, *, batch: SigningBatch, tsa: TsaSpec) -> ExtendResult:
    """Add validation data and a fresh document timestamp to an already signed PDF."""
    src, dst = Path(src), Path(dst)
    data = read_input(src)
    stamper = batch.timestamper(tsa)
    data, count = batch.run(_async_extend(data, batch, stamper, tsa, src))
    checked = batch.run(validate_integrity(data, path=src,
                                                context=batch.offline_context()))
    with atomic_path(dst) as tmp:
        tmp.write_bytes(data)
    return ExtendResult(src, dst, count, checked, stamper.last_url)


async def _async_extend(data: bytes, batch: SigningBatch, stamper, tsa: TsaSpec, src: Path):
    context = batch.validation_context
    reader = PdfFileReader(BytesIO(data), strict=False)
    signatures = reader.embedded_regular_signatures
    if not signatures:
        raise InputError(_("the file has no signature to extend"), path=src,
                         hint=_("Sign it first with `trams sign`."), code="no_signature")
    buffer = BytesIO(data)
    try:
        for index in range(len(signatures)):
            # re-read: each DSS update is appended to the same buffer
            current = PdfFileReader(buffer, strict=False).embedded_regular_signatures[index]
            await dss.async_add_validation_info(current, context, in_place=True,
                                                add_vri_entry=False)
        reader = PdfFileReader(buffer, strict=False)
        stamper_pdf = PdfTimeStamper(stamper, field_name=_next_field(reader))
        await stamper_pdf.async_update_archival_timestamp_chain(reader, context, in_place=True)
    except TimestampRequestError:
        raise unreachable_tsa(tsa) from None
    except PyHankoSigningError as exc:
        if isinstance(exc.__cause__, TimestampRequestError):
            raise unreachable_tsa(tsa) from None
        raise SigningError(_("cannot extend the signatures: {reason}", reason=str(exc)),
                           path=src, hint=_("Run again with --verbose and report the output."),
                           code="extend_failed"
                           ) from exc
    except (ValueError, OSError, PathError, ValidationError) as exc:
        # a signer's chain that does not reach the trust roots (another agency's file,
        # archived unverified on request), revoked, expired: no validation data to add
        raise SigningError(_("cannot extend the signatures: {reason}", reason=str(exc)),
                           path=src, hint=_("Check that the signers' certificates can still "
                                            "be validated (trust roots, revocation)."
                                            ), code="extend_failed") from exc
    return buffer.getvalue(), len(signatures)


def _next_field(reader: PdfFileReader) -> str:
    names = {s.field_name for s in reader.embedded_signatures}
    n = 1
    while f"{TIMESTAMP_FIELD}{n}" in names:
        n += 1
    return f"{TIMESTAMP_FIELD}{n}"
