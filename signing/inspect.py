"""Small readers over a PDF being signed: page sizes, the earlier signature's widget, and
the integrity check of every signature run before an output is reported as done."""

from __future__ import annotations

from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from trams.signing.appearance import LeaderWidget, PageGeometry

from trams.errors import SigningError
from trams.i18n import _


def _page_refs(reader: PdfFileReader) -> list[generic.Reference]:
    refs: list[generic.Reference] = []

    def walk(node_ref) -> None:
        node = node_ref.get_object()
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            for kid in node["/Kids"]:
                walk(kid)
        else:
            refs.append(node_ref.reference if hasattr(node_ref, "reference") else node_ref)

    walk(reader.root.raw_get("/Pages"))
    return refs


def _box(page: generic.DictionaryObject) -> tuple[float, float, float, float]:
    node = page
    while node is not None:
        if "/MediaBox" in node:
            return tuple(float(v) for v in node["/MediaBox"])  # type: ignore[return-value]
        node = node.get("/Parent")
    return (0.0, 0.0, 595.28, 841.89)


def page_geometry(reader: PdfFileReader, index: int) -> PageGeometry:
    refs = _page_refs(reader)
    if not refs:
        raise SigningError(_("the document has no pages"))
    index = index % len(refs)
    x0, y0, x1, y1 = _box(refs[index].get_object())
    return PageGeometry(index, x1 - x0, y1 - y0)


def prior_widget(reader: PdfFileReader, signatures, preferred_field: str) -> LeaderWidget | None:
    """The visible widget of the earlier personal signature (preferably ``preferred_field``)."""
    ordered = sorted(signatures, key=lambda s: s.field_name != preferred_field)
    refs = _page_refs(reader)
    for sig in ordered:
        field = sig.sig_field
        widget = field
        if "/Rect" not in field and "/Kids" in field:
            widget = field["/Kids"][0].get_object()
        rect = widget.get("/Rect")
        if rect is None:
            continue
        box = tuple(float(v) for v in rect)
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            continue
        page_index = len(refs) - 1
        page_ref = widget.raw_get("/P") if "/P" in widget else None
        if isinstance(page_ref, generic.IndirectObject):
            for i, ref in enumerate(refs):
                if ref.idnum == page_ref.idnum:
                    page_index = i
        return LeaderWidget(page_index, box)  # type: ignore[arg-type]
    return None


async def validate_integrity(data: bytes, *, path: Path, context=None) -> int:
    """Check that every signature and document timestamp in ``data`` is intact (its byte
    ranges hash to the signed digest, the ranges cover the file but the /Contents hole) and
    cryptographically valid; raise :class:`SigningError` otherwise. Returns how many.

    No trust decision here: the signer passed its pre-signing checks; this catches a
    broken write (wrong reserved size, corrupted stream, a later update breaking an
    earlier signature).
    """
    from io import BytesIO

    from pyhanko.sign.validation import async_validate_pdf_timestamp
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    reader = PdfFileReader(BytesIO(data), strict=False)
    count = 0
    for sig in reader.embedded_signatures:
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
                hint=_("Run again with --verbose and report the output."))
        count += 1
    return count
