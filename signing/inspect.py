"""Small readers over a PDF being signed: page sizes, the earlier signature's widget, and
the integrity check of every signature run before an output is reported as done."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from trams.signing.pagetext import Box
from trams.signing.placement import LeaderWidget, PageGeometry

from trams.errors import InputError, SigningError
from trams.i18n import _
from trams.pdf.xmp import read_metadata

A4: Box = (0.0, 0.0, 595.28, 841.89)


def _rect(value) -> Box | None:
    """A rectangle as (x0, y0, x1, y1) with x0 < x1 and y0 < y1, or None."""
    try:
        a, b, c, d = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    box = (min(a, c), min(b, d), max(a, c), max(b, d))
    return box if box[2] - box[0] > 1 and box[3] - box[1] > 1 else None


def page_count(reader: PdfFileReader) -> int:
    try:
        return int(reader.root["/Pages"]["/Count"])
    except (KeyError, TypeError, ValueError, PdfError):
        return 0


def _page(reader: PdfFileReader, index: int, path: Path | None):
    """The page object at ``index`` (pyHanko's page tree walk: the same page pyHanko puts
    the signature widget on)."""
    try:
        ref, _resources = reader.find_page_for_modification(index)
        return ref
    except (PdfError, KeyError, TypeError, ValueError, AssertionError) as exc:
        raise InputError(_("cannot read page {n} of the document ({reason})", n=index + 1,
                           reason=str(exc) or type(exc).__name__), path=path,
                         hint=_("Check the file with `qpdf --check`; re-export or re-scan "
                                "it."), code="page_unreadable") from None


def page_geometry(reader: PdfFileReader, index: int, *, path: Path | None = None
                  ) -> PageGeometry:
    """Size and position of page ``index`` (negative: from the end), inherited attributes
    (MediaBox, CropBox, Rotate from the page tree) included."""
    count = page_count(reader)
    if count <= 0:
        raise InputError(_("the document has no pages"), path=path,
                         hint=_("Check the file with `qpdf --check`."), code="document_empty")
    index = index % count
    page = _page(reader, index, path).get_object()
    media = _rect(find_inherited_value_in_tree(page, "/MediaBox", "/Parent")) or A4
    crop = _rect(find_inherited_value_in_tree(page, "/CropBox", "/Parent")) or media
    crop = (max(crop[0], media[0]), max(crop[1], media[1]),
            min(crop[2], media[2]), min(crop[3], media[3]))
    if crop[2] - crop[0] <= 1 or crop[3] - crop[1] <= 1:
        crop = media
    try:
        rotate = int(find_inherited_value_in_tree(page, "/Rotate", "/Parent") or 0) % 360
    except (TypeError, ValueError):
        rotate = 0
    return PageGeometry(index, media=media, crop=crop, rotate=rotate)


def _page_index(reader: PdfFileReader, page_ref: generic.IndirectObject) -> int | None:
    """The index of the page ``page_ref`` points to (the last and first pages first)."""
    count = page_count(reader)
    order = [count - 1, 0, *range(1, count - 1)] if count > 1 else list(range(count))
    for i in order:
        try:
            ref, _resources = reader.find_page_for_modification(i)
        except (PdfError, KeyError, TypeError, ValueError, AssertionError):
            return None
        if ref.reference == page_ref.reference:
            return i
    return None


def prior_widget(reader: PdfFileReader, signatures, preferred_field: str) -> LeaderWidget | None:
    """The visible widget of the earlier personal signature (preferably ``preferred_field``)."""
    ordered = sorted(signatures, key=lambda s: s.field_name != preferred_field)
    for sig in ordered:
        field = sig.sig_field
        widget = field
        if "/Rect" not in field and "/Kids" in field:
            widget = field["/Kids"][0].get_object()
        try:  # pyHanko's dict.get() does not resolve indirect objects; [] does
            box = _rect(widget["/Rect"])
        except KeyError:
            box = None
        if box is None:
            continue
        page_ref = widget.raw_get("/P") if "/P" in widget else None
        page_index = None
        if isinstance(page_ref, generic.IndirectObject):
            page_index = _page_index(reader, page_ref)
        if page_index is None:
            page_index = page_count(reader) - 1
        return LeaderWidget(page_index, box)
    return None


def metadata_box(reader: PdfFileReader) -> Box | None:
    """The leader's box the document's own metadata gives (``signatureBox`` in the TRAMS
    document fields of its XMP packet, written from the metadata file or cover sheet by
    `trams ocr` and `trams run`), or None."""
    try:
        stream = reader.root["/Metadata"]
        _record, document = read_metadata(stream.data)
    except (KeyError, ValueError, TypeError, AttributeError, PdfError, SyntaxError):
        return None  # no packet, or one that is not TRAMS's: no override
    return document.signature_box() if document is not None else None


async def validate_integrity(data: bytes, *, path: Path, context=None,
                             original: bytes | None = None) -> int:
    """Check that every signature and document timestamp in ``data`` is intact (its byte
    ranges hash to the signed digest, the ranges cover the file but the /Contents hole) and
    cryptographically valid; raise :class:`SigningError` otherwise. Returns how many.

    No trust decision here: the signer passed its pre-signing checks; this catches a
    broken write (wrong reserved size, corrupted stream, a later update breaking an
    earlier signature).

    ``original``: the document as it was before this signing. Its bytes must open ``data``
    unchanged (an incremental update), which keeps every earlier signature exactly as it
    was, valid or not: those are the verifier's to judge (another vendor's algorithm, a
    signature broken before it reached TRAMS), and only the signatures written since are
    checked and counted.
    """
    if original is not None and not data.startswith(original):
        raise SigningError(_("the signed file does not keep the document's earlier bytes; "
                             "nothing was written"), path=path,
                           hint=_("Run again with --verbose and report the output."),
                           code="signature_invalid_after_signing")
    reader = PdfFileReader(BytesIO(data), strict=False)
    count = 0
    for sig in reader.embedded_signatures:
        if original is not None and _covered_until(sig) <= len(original):
            continue  # an earlier signature, its bytes unchanged (above)
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                status = await async_validate_pdf_timestamp(sig, validation_context=context,
                                                            skip_diff=True)
                intact, valid = status.intact, status.valid
                if not intact or not valid:
                    raise ValueError("document timestamp broken")
                count += 1
                continue
            sig.compute_integrity_info(skip_diff=True)
            content_type = sig.signed_data["encap_content_info"]["content_type"].native
            intact, valid = validate_sig_integrity(
                sig.signer_info, sig.signer_cert, expected_content_type=content_type,
                actual_digest=sig.compute_digest())
        except (SignatureValidationError, ValueError):
            intact = valid = False
        if not (intact and valid):
            raise SigningError(
                _("the written signature '{field}' does not validate; nothing was written",
                  field=sig.field_name), path=path,
                hint=_("Run again with --verbose and report the output."),
                code="signature_invalid_after_signing")
        count += 1
    return count


def _covered_until(sig) -> int:
    """Where the bytes a signature covers end (its /ByteRange: start, length, start,
    length)."""
    ranges = [int(x) for x in sig.byte_range]
    return max(ranges[i] + ranges[i + 1] for i in range(0, len(ranges) - 1, 2))
