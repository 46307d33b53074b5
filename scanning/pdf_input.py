"""PDF inputs: what each page is (scan, scan with an OCR layer, born-digital text), and a
scanned page's image at its native resolution (never re-rendered), upright as a viewer
shows it.

Refused with an :class:`~trams.errors.InputError` naming the file: a PDF that needs a
password to open (an owner password alone, which only restricts editing, is no obstacle),
a signed PDF (rewriting it would invalidate its signatures), a PDF with attached files
(the PDF/A would not keep them), a PDF without pages, a damaged one. Page kinds: see
:mod:`trams.scanning.pdf_content`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image
from trams.scanning.cleanup import turn_upright
from trams.scanning.limits import check_size, damaged
from trams.scanning.pdf_content import DrawnImage, PageContent, page_content
from trams.scanning.pdf_images import decode_inline, decode_xobject
from trams.scanning.poppler import render_page

from trams.errors import InputError
from trams.i18n import _
from trams.pdf.inspect import attached_files, attachments_refused


@dataclass(frozen=True)
class PdfPage:
    """One page of a PDF, as discovery needs it."""

    kind: str  # text | ocr_layer | image | vector | empty
    image_size: tuple[int, int] | None  # pixels of the main image
    dpi: tuple[float, float] | None  # of the main image as shown


def open_pdf(path: Path) -> pikepdf.Pdf:
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        raise InputError(_("the PDF is encrypted with a password"), path=path,
                         hint=_("Remove the password (qpdf --decrypt --password=... in.pdf "
                                "out.pdf) and add the decrypted file."),
                                code="pdf_encrypted") from None
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise damaged(path, str(exc).splitlines()[0] if str(exc) else "PDF") from None
    # Encrypted with an owner password only: it opens, and its content is ours to read.
    return pdf


def _content(page: pikepdf.Page, path: Path, number: int) -> PageContent:
    try:
        return page_content(page, path, number)
    except InputError:
        raise
    except (pikepdf.PdfError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise damaged(path, _("page {number}: {reason}", number=number,
                              reason=str(exc).splitlines()[0] or type(exc).__name__)) from None


def no_scanned_image(path: Path, number: int, kind: str) -> InputError:
    if kind == "vector":
        return InputError(
            _("page {number} of the PDF has neither text nor a scanned image (its text, if "
              "any, is drawn as curves)", number=number), path=path,
            hint=_("Export the document again with its text, or print it and scan it."),
            code="no_scanned_image")
    return InputError(_("page {number} of the PDF holds no scanned image", number=number),
                      path=path,
                      hint=_("Give TRAMS PDFs straight from the scanner (one image per "
                             "page), or the scan images themselves."), code="no_scanned_image")


MAX_FIELD_DEPTH = 32  # form fields nest through /Kids; deeper is a loop or a bomb


def signed_field_count(pdf: pikepdf.Pdf) -> int:
    """How many signature fields of the form carry a signature (a value): signatures and
    document timestamps. An empty field waiting for a signature does not count."""
    try:
        fields = pdf.Root.get("/AcroForm", {}).get("/Fields", [])
    except (pikepdf.PdfError, AttributeError, TypeError, ValueError):
        return 0
    seen: set[tuple[int, int]] = set()

    def count(field, inherited: object, depth: int) -> int:
        if not isinstance(field, pikepdf.Dictionary) or depth > MAX_FIELD_DEPTH:
            return 0
        if field.is_indirect:
            if field.objgen in seen:
                return 0
            seen.add(field.objgen)
        kind = field.get("/FT", inherited)
        found = int(kind == "/Sig" and isinstance(field.get("/V"), pikepdf.Dictionary))
        for kid in field.get("/Kids", []):
            found += count(kid, kind, depth + 1)
        return found

    try:
        return sum(count(field, None, 0) for field in fields)
    except (pikepdf.PdfError, TypeError, ValueError):
        return 0


def signed_pdf(path: Path, count: int) -> InputError:
    """A signed PDF is not rewritten: OCR or PDF/A conversion would invalidate its
    signatures (OCRmyPDF refuses such files too)."""
    return InputError(
        _("the PDF carries {count} digital signature(s): making a PDF/A of it would rewrite "
          "the file and invalidate them", count=count), path=path,
        hint=_("Keep it as received: archive it with `trams archive add`, where its "
               "signatures stay verifiable; or give TRAMS the unsigned original."),
        code="pdf_signed")


def pdf_pages(path: Path) -> list[PdfPage]:
    """Every page's kind, main image size and resolution; refuses a signed PDF and pages
    too large to be scans. Raises for an unreadable or page-less PDF."""
    with open_pdf(path) as pdf:
        if signatures := signed_field_count(pdf):
            raise signed_pdf(path, signatures)
        if attached := attached_files(pdf):  # rebuilt from its images, it would lose them
            raise attachments_refused(path, attached)
        try:
            pages = list(pdf.pages)
        except (pikepdf.PdfError, ValueError, TypeError) as exc:
            raise damaged(path, str(exc).splitlines()[0] or "PDF") from None
        if not pages:
            raise InputError(_("the PDF has no pages"), path=path,
                             hint=_("Export or scan the document again."), code="document_empty")
        out = []
        for number, page in enumerate(pages, start=1):
            content = _content(page, path, number)
            main = content.main_image()
            size = (main.width, main.height) if main else None
            dpi = main.dpi() if main else None
            if main is not None and content.kind in ("image", "ocr_layer"):
                check_size(path, number, size, dpi)
            out.append(PdfPage(content.kind, size, dpi))
        return out


def _axis(dx: float, dy: float) -> str:
    """Which way a vector on the page points on screen (y up on the page)."""
    if abs(dx) >= abs(dy):
        return "right" if dx > 0 else "left"
    return "up" if dy > 0 else "down"


# (where the image's +x axis points, where its downward +y axis points) -> transpose
_ORIENT = {
    ("right", "down"): None,
    ("left", "down"): Image.Transpose.FLIP_LEFT_RIGHT,
    ("right", "up"): Image.Transpose.FLIP_TOP_BOTTOM,
    ("left", "up"): Image.Transpose.ROTATE_180,
    ("down", "left"): Image.Transpose.ROTATE_270,
    ("up", "right"): Image.Transpose.ROTATE_90,
    ("down", "right"): Image.Transpose.TRANSPOSE,
    ("up", "left"): Image.Transpose.TRANSVERSE,
}


def shown_as_on_page(image: Image.Image, drawn: DrawnImage) -> tuple[Image.Image, bool]:
    """The image turned or mirrored as the page's transformation shows it; True when its
    width and height were swapped."""
    a, b, c, d, _e, _f = drawn.ctm
    op = _ORIENT.get((_axis(a, b), _axis(-c, -d)))
    if op is None:
        return image, False
    swapped = op in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270,
                     Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE)
    return image.transpose(op), swapped


MAX_RENDER_DPI = 600.0


def needs_rendering(content: PageContent, main: DrawnImage) -> bool:
    """The scan is more than its main image: other large images (strips, layers,
    overprinted separations), stencil masks, or a mask on the main image."""
    if content.masks:
        return True
    if not isinstance(main.image, pikepdf.PdfInlineImage) and "/Mask" in main.image:
        return True
    return any(d is not main and d.area >= 0.05 * main.area for d in content.images)


def _rendered(path: Path, index: int, main: DrawnImage,
              user_unit: float = 1.0) -> tuple[Image.Image, float]:
    shown = main.dpi() or (300.0, 300.0)
    dpi = min(MAX_RENDER_DPI, max(shown))
    # pdftoppm ignores /UserUnit (poppler 22), reading the page's units as points: render
    # at unit times the resolution to get the scan's pixels (tests/scanning: UserUnit).
    image = render_page(path, index=index, dpi=dpi * user_unit, gray=False)
    small = image.reduce(4) if min(image.size) >= 16 else image
    r, g, b = small.split()
    if r.tobytes() == g.tobytes() == b.tobytes():
        image = image.convert("L")
        if not any(image.histogram()[1:255]):  # black and white only: kept bilevel
            image = image.convert("1")
    return image, dpi


def load_pdf_page(path: Path, index: int) -> tuple[Image.Image, tuple[float, float] | None]:
    """The page's scanned image, upright as the PDF shows it, and its resolution.

    One image on the page: that image's pixels, as they are. A page made of more
    (see :func:`needs_rendering`): the page rendered at its main image's resolution.
    """
    with open_pdf(path) as pdf:
        try:
            if index >= len(pdf.pages):
                raise damaged(path, f"page {index + 1} missing")
            page = pdf.pages[index]
        except (pikepdf.PdfError, ValueError, TypeError) as exc:
            raise damaged(path, str(exc).splitlines()[0] or "PDF") from None
        number = index + 1
        content = _content(page, path, number)
        main = content.main_image()
        if main is None:
            raise no_scanned_image(path, number, content.kind)
        dpi = main.dpi()
        check_size(path, number, (main.width, main.height), dpi)
        if needs_rendering(content, main):
            image, rendered = _rendered(path, index, main, content.user_unit)
            return image, (round(rendered, 2), round(rendered, 2))
        if isinstance(main.image, pikepdf.PdfInlineImage):
            image = decode_inline(main.image, path, number)
        else:
            image = decode_xobject(main.image, path, number)
        if image.size != (main.width, main.height):
            raise damaged(path, _("page {number}: the image is {found} pixels, its PDF "
                                  "says {said}", number=number,
                                  found=f"{image.width} x {image.height}",
                                  said=f"{main.width} x {main.height}"))
        image, swapped = shown_as_on_page(image, main)
        if dpi and swapped:
            dpi = (dpi[1], dpi[0])
        try:
            rotate = int(page.obj.get("/Rotate", 0)) % 360
        except (TypeError, ValueError):
            rotate = 0
        if rotate in (90, 180, 270):
            image = turn_upright(image, rotate)
            if rotate in (90, 270) and dpi:
                dpi = (dpi[1], dpi[0])
        if dpi:
            dpi = (round(dpi[0], 2), round(dpi[1], 2))
        return image, dpi
