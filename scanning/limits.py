"""What makes a scan unacceptable before its pixels are decoded: its resolution, its size,
and the error for a damaged file (shared by the image and the PDF readers).

Resolution (per page, from the file):

- compared with a tolerance of :data:`DPI_TOLERANCE`: files store resolution in other units
  (PNG in pixels per metre: 200 dpi is stored as 7874 ppm = 199.9995 dpi; JFIF in dots per
  centimetre), so a page at "199.9995 dpi" is a 200 dpi scan;
- refused outside :data:`MIN_DPI`-:data:`MAX_DPI`, when zero, negative or not a number, and
  when x and y differ by more than :data:`MAX_ASPECT` times, unless the pair is a fax mode
  (:data:`FAX_MODES`: 204 x 98 dpi "standard" fax pages are legitimate).

Size (the decompression-bomb limit): a page's declared physical size must be one of paper
(:data:`MAX_PAGE_INCHES`, a little over A0 and ARCH E), and its pixel count at most
:data:`MAX_PIXELS` (an A0 sheet at 600 dpi, 558 Mpx, with a margin). A 50000 x 50000 image
claiming 72 dpi is a 17.6 m square: refused; the same pixels claiming 2400 dpi are a
0.5 m square but 2.5 Gpx: refused. Pillow's own bomb check (89 Mpx by default) is raised to
our limit while our files are opened (:func:`pillow_limit`), so it never fires first.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from trams.errors import InputError
from trams.i18n import _

MIN_DPI = 50.0
MAX_DPI = 2400.0
MAX_ASPECT = 2.0
DPI_TOLERANCE = 0.005  # relative: 199.0 dpi still counts as 200
# ITU-T T.4 fax resolutions (dpi) whose x/y ratio exceeds MAX_ASPECT, with 2 % slack.
FAX_MODES = ((204.0, 98.0), (200.0, 100.0), (204.0, 97.8), (203.0, 98.0))
# The longer and the shorter side of the largest sheet accepted, in inches (A0 is
# 33.1 x 46.8 in, ARCH E 36 x 48 in).
MAX_PAGE_INCHES = (50.0, 36.0)
A0_INCHES = (33.11, 46.81)
# An A0 sheet scanned at 600 dpi (558 Mpx), plus 8 %.
MAX_PIXELS = 600_000_000


def damaged(path: Path, reason: str) -> InputError:
    return InputError(_("the file is damaged or not a readable scan ({reason})", reason=reason),
                      path=path,
                      hint=_("Copy it again from the scanner or scan the paper again."),
                      code="input_unreadable")


def too_large(path: Path, width: int, height: int) -> InputError:
    return InputError(
        _("the image is {width} x {height} pixels, too large to be a page scan",
          width=width, height=height),
        path=path,
        hint=_("This may be a decompression bomb; scan the page again at 200-600 dpi."),
        code="image_too_large")


def _dpi_text(dpi: tuple[float, float]) -> str:
    def one(v: float) -> str:
        if not math.isfinite(v):
            return str(v)
        return f"{v:.0f}" if abs(v - round(v)) < 0.05 or abs(v) >= 100 else f"{v:.2g}"
    x, y = dpi
    return one(x) if x == y else f"{one(x)} x {one(y)}"


def is_fax_mode(dpi: tuple[float, float]) -> bool:
    hi, lo = max(dpi), min(dpi)
    return any(abs(hi - a) <= 0.02 * a and abs(lo - b) <= 0.02 * b for a, b in FAX_MODES)


def check_resolution(path: Path, number: int, dpi: tuple[float, float]) -> None:
    """Refuse page ``number`` (1-based) whose recorded resolution cannot be a scan's."""
    x, y = dpi
    hint = _("Check the scanner's resolution setting (200-600 dpi) and scan the page again.")
    if not (math.isfinite(x) and math.isfinite(y)) or x <= 0 or y <= 0:
        raise InputError(_("page {number} records an impossible resolution ({dpi} dpi)",
                           number=number, dpi=_dpi_text(dpi)), path=path, hint=hint,
                           code="dpi_invalid")
    if min(x, y) < MIN_DPI * (1 - DPI_TOLERANCE) or max(x, y) > MAX_DPI * (1 + DPI_TOLERANCE):
        raise InputError(
            _("page {number} records a resolution of {dpi} dpi, outside the {low}-{high} dpi "
              "of a scan", number=number, dpi=_dpi_text(dpi), low=round(MIN_DPI),
              high=round(MAX_DPI)), path=path, hint=hint, code="dpi_invalid")
    if max(x, y) > MAX_ASPECT * (1 + DPI_TOLERANCE) * min(x, y) and not is_fax_mode(dpi):
        raise InputError(
            _("page {number} records {dpi} dpi: its width and height resolutions differ more "
              "than {ratio} times", number=number, dpi=_dpi_text(dpi), ratio=round(MAX_ASPECT)),
            path=path, hint=hint, code="dpi_invalid")


def below_minimum(dpi: float, minimum: float) -> bool:
    """``dpi`` is under ``minimum`` beyond what unit conversions explain."""
    return dpi < minimum * (1 - DPI_TOLERANCE)


def low_dpi_error(path: Path, number: int, dpi: float, minimum: float) -> InputError:
    """Page ``number`` is under the floor (``[inbox] min_dpi``) and low pages are not
    accepted. The hint names `trams ocr`'s option; a run names its setting instead
    (trams.pipeline.hints)."""
    return InputError(
        _("page {number} was scanned at {dpi} dpi, under the minimum of {minimum} dpi",
          number=number, dpi=round(dpi), minimum=round(minimum)), path=path,
        hint=_("Scan it again at 300 dpi, or accept it with --accept-low-dpi (it will be "
               "marked for review)."), code="dpi_too_low")


def check_size(path: Path, number: int, size: tuple[int, int],
               dpi: tuple[float, float] | None) -> None:
    """Refuse a page too large to be a scan (decompression bomb), before decoding it.

    ``dpi`` is the page's resolution when known (the file's or the configured default);
    with it, the page's physical size must be one of paper.
    """
    width, height = size
    if width <= 0 or height <= 0:
        raise damaged(path, _("page {number} has no pixels ({width} x {height})",
                              number=number, width=width, height=height))
    if dpi is not None and all(math.isfinite(v) and v > 0 for v in dpi):
        inches = (width / dpi[0], height / dpi[1])
        longer, shorter = max(inches), min(inches)
        if longer > MAX_PAGE_INCHES[0] or shorter > MAX_PAGE_INCHES[1]:
            raise InputError(
                _("page {number} is {width} x {height} pixels at {dpi} dpi, a sheet of "
                  "{w_cm} x {h_cm} cm: larger than any paper (A0 is 84 x 119 cm)",
                  number=number, width=width, height=height, dpi=_dpi_text(dpi),
                  w_cm=round(inches[0] * 2.54), h_cm=round(inches[1] * 2.54)),
                path=path,
                hint=_("This may be a decompression bomb or a wrong resolution in the file; "
                       "scan the page again at 200-600 dpi."), code="page_too_large")
    if width * height > MAX_PIXELS:
        raise too_large(path, width, height)


@contextmanager
def pillow_limit(limit: int | None = MAX_PIXELS) -> Iterator[None]:
    """Pillow's decompression-bomb limit set to ``limit`` for one open (None: off, for
    reading a header whose size our own checks then judge): our checks know the page's
    physical size, Pillow's default (89 Mpx) would refuse an A0 sheet at 300 dpi."""
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved
