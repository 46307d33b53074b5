"""What a PDF page draws: its images (with where they are shown), its text (visible or
invisible), its vector paths. Read from the content streams, never rendered.

The walk follows the graphics state (``q``/``Q``, ``cm``, the text render mode ``Tr``)
through the page and the form XObjects it draws (nested up to :data:`MAX_DEPTH`, cycles
refused). Text drawn in render mode 3 (invisible) or 7 (clip only) is an OCR layer; text in
any other mode is text a reader sees. A page is classified as:

- ``text``: it shows visible text (a born-digital page, or a scan stamped with text);
- ``ocr_layer``: images with invisible text only (a scan OCRed by the scanner or a tool);
- ``image``: images and no text (a plain scan; a stencil mask over half the page or more
  counts as its image: black painted through a 1-bit mask, as some scanners write a
  black-and-white page);
- ``vector``: vector paths and nothing else (text drawn as curves, a drawing);
- ``empty``: nothing drawn.

A malformed page (an operand that is not a number, an image without a width, an unreadable
stream) raises :class:`~trams.errors.InputError` naming the file, never a TypeError.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pikepdf
from trams.scanning.limits import damaged

from trams.errors import InputError
from trams.i18n import _

Matrix = tuple[float, float, float, float, float, float]
TEXT_SHOW = frozenset({"Tj", "TJ", "'", '"'})
PAINT = frozenset({"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh"})
INVISIBLE_MODES = frozenset({3, 7})
MAX_DEPTH = 8


def multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def number(value: object, path: Path, what: str) -> float:
    """A PDF number as float; anything else (a name, a string, NaN) means a damaged file."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise damaged(path, _("{what} is not a number ({value})", what=what,
                              value=str(value)[:40]))
    result = float(value)
    if not math.isfinite(result):
        raise damaged(path, _("{what} is not a number ({value})", what=what,
                              value=str(value)[:40]))
    return result


def integer(value: object, path: Path, what: str) -> int:
    result = number(value, path, what)
    if result != int(result):
        raise damaged(path, _("{what} is not a whole number ({value})", what=what,
                              value=str(value)[:40]))
    return int(result)


@dataclass(frozen=True)
class DrawnImage:
    """An image the page draws: the XObject (or inline image) and the CTM it is drawn with
    (the unit square mapped onto the page, in points)."""

    image: pikepdf.Object | pikepdf.PdfInlineImage
    ctm: Matrix
    width: int
    height: int

    @property
    def shown(self) -> tuple[float, float]:
        """Width and height the image is shown at, in points."""
        a, b, c, d, _e, _f = self.ctm
        return math.hypot(a, b), math.hypot(c, d)

    @property
    def area(self) -> float:
        w, h = self.shown
        return w * h

    def dpi(self) -> tuple[float, float] | None:
        """Resolution as shown on the page; None for an image shown with no size."""
        w, h = self.shown
        if w < 1e-3 or h < 1e-3:
            return None
        return (self.width * 72.0 / w, self.height * 72.0 / h)


# A stencil mask shown over at least this share of the page is a scan: some scanners write
# a black-and-white page as black painted through a 1-bit mask, not as a 1-bit image.
SCANNED_MASK_SHARE = 0.5


@dataclass
class PageContent:
    images: list[DrawnImage] = field(default_factory=list)
    visible_text: int = 0
    invisible_text: int = 0
    paths: int = 0
    masks: list[DrawnImage] = field(default_factory=list)  # a colour painted through 1 bit
    page_area: float | None = None  # square points of the page's box; None: unknown
    user_unit: float = 1.0  # the page's /UserUnit: its unit is user_unit / 72 inch

    def scanned(self) -> list[DrawnImage]:
        """The images a scan may be: every image, and the stencil masks that cover the
        page as a scan does (a small one is a logo or a mark, drawn like vector art)."""
        if not self.page_area:
            return self.images
        return self.images + [m for m in self.masks
                              if m.area >= SCANNED_MASK_SHARE * self.page_area]

    @property
    def kind(self) -> str:
        if self.visible_text:
            return "text"
        if self.scanned():
            return "ocr_layer" if self.invisible_text else "image"
        if self.paths or self.masks:
            return "vector"
        return "empty"

    def main_image(self) -> DrawnImage | None:
        """The scanned page: the image shown largest (ties: the one with most pixels)."""
        scanned = self.scanned()
        if not scanned:
            return None
        return max(scanned, key=lambda d: (round(d.area, 1), d.width * d.height))


class _Walker:
    def __init__(self, path: Path, number: int):
        self.path = path
        self.number = number
        self.content = PageContent()
        self.seen: set[tuple[int, int]] = set()

    def walk(self, source: pikepdf.Object | pikepdf.Page, resources: pikepdf.Object | None,
             ctm: Matrix, mode: int, depth: int) -> None:
        try:
            instructions = pikepdf.parse_content_stream(source)
        except (pikepdf.PdfError, ValueError, TypeError) as exc:
            raise damaged(self.path, _("page {number}: {reason}", number=self.number,
                                       reason=str(exc).splitlines()[0] if str(exc) else
                                       type(exc).__name__)) from None
        xobjects = _get(resources, "/XObject")
        stack: list[tuple[Matrix, int]] = []
        for item in instructions:
            operands, operator = item.operands, str(item.operator)
            if operator == "q":
                stack.append((ctm, mode))
            elif operator == "Q":
                if stack:
                    ctm, mode = stack.pop()
            elif operator == "cm":
                if len(operands) != 6:
                    raise damaged(self.path, _("page {number}: a transformation (cm) has "
                                               "{count} numbers instead of 6",
                                               number=self.number, count=len(operands)))
                m = tuple(number(v, self.path, "cm") for v in operands)
                ctm = multiply(m, ctm)  # type: ignore[arg-type]
            elif operator == "Tr":
                if operands:
                    mode = integer(operands[0], self.path, "Tr")
            elif operator in TEXT_SHOW:
                if mode in INVISIBLE_MODES:
                    self.content.invisible_text += 1
                else:
                    self.content.visible_text += 1
            elif operator in PAINT:
                self.content.paths += 1
            elif operator == "INLINE IMAGE":
                self._inline(operands[0], ctm)
            elif operator == "Do" and operands and xobjects is not None:
                xobj = xobjects.get(str(operands[0]))
                if isinstance(xobj, pikepdf.Stream):
                    self._xobject(xobj, resources, ctm, mode, depth)

    def _inline(self, inline: pikepdf.PdfInlineImage, ctm: Matrix) -> None:
        try:
            width, height = int(inline.width), int(inline.height)
        except (TypeError, ValueError, AttributeError, KeyError, pikepdf.PdfError):
            raise damaged(self.path, _("page {number}: an inline image has no size",
                                       number=self.number)) from None
        self.content.images.append(DrawnImage(inline, ctm, width, height))

    def _xobject(self, xobj: pikepdf.Stream, resources, ctm: Matrix, mode: int,
                 depth: int) -> None:
        subtype = xobj.get("/Subtype")
        if subtype == "/Image":
            width = integer(xobj.get("/Width"), self.path, "/Width")
            height = integer(xobj.get("/Height"), self.path, "/Height")
            if xobj.get("/ImageMask") is True:
                self.content.masks.append(DrawnImage(xobj, ctm, width, height))
            else:
                self.content.images.append(DrawnImage(xobj, ctm, width, height))
        elif subtype == "/Form":
            key = xobj.objgen
            if depth >= MAX_DEPTH or (key != (0, 0) and key in self.seen):
                raise damaged(self.path, _("page {number}: forms nested too deep or drawing "
                                           "themselves", number=self.number))
            self.seen.add(key)
            matrix = xobj.get("/Matrix")
            inner = ctm
            if matrix is not None:
                values = [number(v, self.path, "/Matrix") for v in matrix]
                if len(values) != 6:
                    raise damaged(self.path, _("page {number}: a form's /Matrix is not 6 "
                                               "numbers", number=self.number))
                inner = multiply(tuple(values), ctm)  # type: ignore[arg-type]
            self.walk(xobj, xobj.get("/Resources", resources), inner, mode, depth + 1)
            self.seen.discard(key)


def _get(dictionary: object, key: str) -> pikepdf.Object | None:
    if isinstance(dictionary, pikepdf.Dictionary):
        value = dictionary.get(key)
        return value if isinstance(value, pikepdf.Dictionary) else None
    return None


def page_content(page: pikepdf.Page, path: Path, number: int) -> PageContent:
    """What page ``number`` (1-based) of ``path`` draws."""
    walker = _Walker(path, number)
    try:
        resources = page.obj.get("/Resources")
    except (pikepdf.PdfError, ValueError) as exc:
        raise damaged(path, str(exc).splitlines()[0] if str(exc) else "PDF") from None
    unit = _user_unit(page, path)
    area = _area(page)
    walker.content.user_unit = unit
    walker.content.page_area = area * unit * unit if area else None
    # Points of 1/72 inch throughout, so resolutions and sizes are physical: a page with a
    # /UserUnit (PDF 1.6, large formats) counts unit/72 inch per unit of its user space.
    walker.walk(page, resources, (unit, 0.0, 0.0, unit, 0.0, 0.0), 0, 0)
    return walker.content


def _user_unit(page: pikepdf.Page, path: Path) -> float:
    """The page's /UserUnit (1 when absent, or not a sensible positive number)."""
    value = page.obj.get("/UserUnit")
    if value is None:
        return 1.0
    try:
        unit = number(value, path, "/UserUnit")
    except InputError:
        return 1.0
    return unit if 0 < unit <= 75_000 else 1.0


def _area(page: pikepdf.Page) -> float | None:
    """Square points of the page's crop box (its media box when it has none)."""
    try:
        box = [float(v) for v in page.cropbox]
    except (pikepdf.PdfError, ValueError, TypeError, AttributeError, KeyError):
        return None
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        return None
    return abs(box[2] - box[0]) * abs(box[3] - box[1]) or None
