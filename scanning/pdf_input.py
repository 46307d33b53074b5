"""Image-only PDFs: the embedded page images at their native resolution (never re-rendered).

Refused with an :class:`~trams.errors.InputError` naming the file: encrypted PDFs, PDFs that
already have a text layer (they need no OCR), pages without a scanned image.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pikepdf
from PIL import Image
from trams.scanning.cleanup import turn_upright
from trams.scanning.limits import MAX_PIXELS, damaged, too_large

from trams.errors import InputError
from trams.i18n import _

TEXT_OPERATORS = frozenset({"Tj", "TJ", "'", '"'})
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _open(path: Path) -> pikepdf.Pdf:
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        raise InputError(_("the PDF is encrypted with a password"), path=path,
                         hint=_("Remove the password (qpdf --decrypt --password=... in.pdf "
                                "out.pdf) and add the decrypted file.")) from None
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise damaged(path, str(exc).splitlines()[0] if str(exc) else "PDF") from None
    if pdf.is_encrypted:
        pdf.close()
        raise InputError(_("the PDF is encrypted"), path=path,
                         hint=_("Remove the encryption (qpdf --decrypt in.pdf out.pdf) and add "
                                "the decrypted file."))
    return pdf


def _walk(page: pikepdf.Page, path: Path, number: int):
    """Yield (image xobject, CTM) for each image drawn; refuse text."""
    try:
        instructions = pikepdf.parse_content_stream(page)
    except pikepdf.PdfError as exc:
        raise damaged(path, str(exc)) from None
    ctm, stack = IDENTITY, []
    xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
    for operands, operator in instructions:
        op = str(operator)
        if op in TEXT_OPERATORS:
            raise InputError(
                _("page {number} of the PDF already has a text layer", number=number),
                path=path,
                hint=_("It needs no OCR: archive or sign it as it is, or give TRAMS the "
                       "original scan images."))
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm" and len(operands) == 6:
            ctm = _multiply(tuple(float(v) for v in operands), ctm)
        elif op == "Do" and operands:
            xobj = xobjects.get(str(operands[0]))
            if xobj is None:
                continue
            subtype = xobj.get("/Subtype")
            if subtype == "/Image":
                yield xobj, ctm
            elif subtype == "/Form":
                # Forms may hold text too (e.g. an OCR layer); images inside are rare in scans.
                try:
                    for _ops, inner in pikepdf.parse_content_stream(xobj):
                        if str(inner) in TEXT_OPERATORS:
                            raise InputError(
                                _("page {number} of the PDF already has a text layer",
                                  number=number), path=path,
                                hint=_("It needs no OCR: archive or sign it as it is, or give "
                                       "TRAMS the original scan images."))
                except pikepdf.PdfError as exc:
                    raise damaged(path, str(exc)) from None


def _main_image(page: pikepdf.Page, path: Path, number: int):
    drawn = list(_walk(page, path, number))
    if not drawn:
        raise InputError(_("page {number} of the PDF holds no scanned image", number=number),
                         path=path,
                         hint=_("Give TRAMS PDFs straight from the scanner (one image per "
                                "page), or the scan images themselves."))
    return max(drawn, key=lambda d: int(d[0].get("/Width", 0)) * int(d[0].get("/Height", 0)))


def pdf_page_count(path: Path) -> int:
    """Pages of an image-only PDF; every page is checked for a text layer and an image."""
    with _open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            xobj, _ctm = _main_image(page, path, number)
            width, height = int(xobj.get("/Width", 0)), int(xobj.get("/Height", 0))
            if width * height > MAX_PIXELS:
                raise too_large(path, width, height)
        return len(pdf.pages)


def load_pdf_page(path: Path, index: int) -> tuple[Image.Image, tuple[float, float] | None]:
    """The page's scanned image, upright as the PDF shows it, and its resolution."""
    with _open(path) as pdf:
        if index >= len(pdf.pages):
            raise damaged(path, f"page {index + 1} missing")
        page = pdf.pages[index]
        xobj, ctm = _main_image(page, path, index + 1)
        width, height = int(xobj.get("/Width", 0)), int(xobj.get("/Height", 0))
        if width * height > MAX_PIXELS:
            raise too_large(path, width, height)
        try:
            pdfimage = pikepdf.PdfImage(xobj)
            if pdfimage.filters == ["/DCTDecode"]:
                image = Image.open(io.BytesIO(xobj.read_raw_bytes()))
                image.load()
            else:
                image = pdfimage.as_pil_image()
        except (pikepdf.PdfError, NotImplementedError, OSError, ValueError) as exc:
            raise InputError(
                _("cannot decode the image on page {number} ({reason})", number=index + 1,
                  reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__),
                path=path,
                hint=_("Export the scan from the scanner as TIFF or JPEG instead.")) from None
        shown_w = math.hypot(ctm[0], ctm[1])
        shown_h = math.hypot(ctm[2], ctm[3])
        dpi = None
        if shown_w > 1 and shown_h > 1:
            dpi = (round(width * 72.0 / shown_w, 2), round(height * 72.0 / shown_h, 2))
        rotate = int(page.obj.get("/Rotate", 0)) % 360
        if rotate:
            image = turn_upright(image, rotate)
            if rotate in (90, 270) and dpi:
                dpi = (dpi[1], dpi[0])
        return image, dpi
