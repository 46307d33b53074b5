"""The image handed to Tesseract, made from the page that will be archived.

The archived page keeps its colours and pixels; Tesseract reads a copy where:

- red ink is left out (colour dropout, as a scanner's red lamp does): seals and "ĐẾN"
  stamps, often over text, otherwise come out as lines of garbage. A pixel's grey value
  moves from its luminance towards its red channel as the pixel gets redder, so red ink
  reads as paper while black text (and blue handwriting or signatures) stays as it is;
- a negative page (light text on a dark ground) is inverted;
- a page with non-square pixels (a 200 x 100 dpi fax mode) is resampled to square pixels
  at its higher resolution, since Tesseract assumes square pixels;
- a page whose text lines stand taller than ``read_line_height`` (40 px, [ocr]
  ``read_line_height``; 0 turns this off) is read smaller, never
  under :data:`MIN_READ_DPI`. Tesseract's LSTM scales every text line to a fixed height
  (36 px for the ``vie`` model) whatever the scan's resolution, so pixels beyond what
  that needs buy no accuracy, and cost time in the page layout and binarisation, which
  work on every pixel. Measured on the Vietnamese pages of benchmarks/cer_scans.py
  (13-14 pt body text at 300 dpi: lines about 57 px tall, read at about 210 dpi):
  Tesseract's time -19 %, the text layer's CER lower on 18 of 33 pages and higher on
  none (reference pages 0.19 -> 0.07 %). Small print (lines under 40 px: 9 pt at 300
  dpi) and scans at 200 dpi or less are read as they are.

Word boxes found on the copy are mapped back onto the page (:func:`to_page`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from trams.models import Line, Word

# Redness (red minus the larger of green and blue) where dropout starts, and its width:
# black text and grey paper have redness near 0, JPEG noise on them up to ~15; seal ink 80+.
RED_START, RED_SPAN = 25.0, 45.0
NEGATIVE_BELOW = 100  # median grey of the page's inner part under this: a negative page
READ_LINE_PX = 40  # text lines read at this height (page pixels), when taller (default)
MIN_READ_DPI = 200  # the Circular's scanning floor: a page is never read under it
MIN_SHRINK = 0.9  # a smaller change is not worth a resampling
BAND_ROWS = 128  # rows of a colour page turned grey at a time (drop_red)


@dataclass(frozen=True)
class OcrView:
    image: Image.Image  # what Tesseract reads
    dpi: float
    scale: tuple[float, float]  # page pixels per view pixel (x, y)


def is_negative(image: Image.Image) -> bool:
    """Light text on a dark ground (the inner 80 % of the page is mostly dark)."""
    gray = image.convert("L") if image.mode != "L" else image
    w, h = gray.size
    inner = gray.crop((w // 10, h // 10, w - w // 10, h - h // 10))
    if inner.width >= 64 and inner.height >= 64:
        inner = inner.reduce(4)
    hist = inner.histogram()
    half, seen = sum(hist) / 2, 0
    for level, count in enumerate(hist):
        seen += count
        if seen >= half:
            return level < NEGATIVE_BELOW
    return False


def drop_red(image: Image.Image) -> Image.Image:
    """Grayscale ``image`` (RGB) with red ink turned to paper (see the module docstring).

    Computed a band of rows at a time: the whole page as float arrays would take 250 MB
    for an A4 colour scan at 300 dpi (seals are red, so most issued documents come this
    way), the bands take 10 MB; the grey values are the same."""
    gray = np.empty((image.height, image.width), dtype=np.uint8)
    for top in range(0, image.height, BAND_ROWS):
        band = image.crop((0, top, image.width, min(image.height, top + BAND_ROWS)))
        rgb = np.asarray(band, dtype=np.float32)
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        luma = 0.299 * r + 0.587 * g + 0.114 * b
        weight = np.clip((r - np.maximum(g, b) - RED_START) / RED_SPAN, 0.0, 1.0)
        gray[top:top + band.height] = np.clip(luma + weight * (r - luma) + 0.5, 0, 255)
    return Image.fromarray(gray, "L")


def has_red_ink(image: Image.Image) -> bool:
    if image.mode != "RGB":
        return False
    small = np.asarray(image.reduce(4) if min(image.size) >= 64 else image, dtype=np.int16)
    redness = small[..., 0] - np.maximum(small[..., 1], small[..., 2])
    return bool((redness > RED_START + RED_SPAN / 2).mean() > 1e-4)


def reading_scale(dpi: float, line_height: float | None, target: int = READ_LINE_PX
                  ) -> float:
    """How much smaller than the page (at ``dpi``, square pixels) Tesseract reads it, given
    the height of its text lines in page pixels (None: unknown, read as it is) and the
    height to read them at (0: as they are)."""
    if not target or not line_height or line_height <= target or dpi <= MIN_READ_DPI:
        return 1.0
    shrink = max(target / line_height, MIN_READ_DPI / dpi)
    return shrink if shrink < MIN_SHRINK else 1.0


def ocr_view(image: Image.Image, dpi: tuple[float, float], *, drop_red_ink: bool,
             negative: bool = False, line_height: float | None = None,
             read_line_height: int = READ_LINE_PX) -> OcrView:
    """The image Tesseract reads (see the module docstring); ``line_height``: the page's
    text line height in pixels (:func:`.cleanup.line_height`), read at
    ``read_line_height``."""
    view = image
    if view.mode == "RGB" and drop_red_ink and has_red_ink(view):
        view = drop_red(view)
    if negative:
        view = ImageOps.invert(view.convert("L") if view.mode == "1" else view)
    dx, dy = dpi
    target = max(dx, dy)
    shrink = reading_scale(target, line_height, read_line_height)
    read_dpi = target * shrink
    if abs(dx - dy) <= 0.01 * target and shrink == 1.0:
        return OcrView(view, target, (1.0, 1.0))
    size = (max(1, round(view.width * read_dpi / dx)), max(1, round(view.height * read_dpi / dy)))
    work = view.convert("L") if view.mode == "1" else view
    # Lanczos for the stretch of a fax mode; shrinking: bilinear over a box-reduced copy
    # (reducing_gap), as good to Tesseract and a fifth of the time on an A4 page.
    view = (work.resize(size, Image.Resampling.LANCZOS) if shrink == 1.0 else
            work.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0))
    return OcrView(view, read_dpi, (image.width / size[0], image.height / size[1]))


def to_page(lines: tuple[Line, ...], view: OcrView) -> tuple[Line, ...]:
    """Boxes found on ``view`` as boxes on the page it was made from."""
    sx, sy = view.scale
    if sx == 1.0 and sy == 1.0:
        return lines

    def box(b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return (round(b[0] * sx), round(b[1] * sy), round(b[2] * sx), round(b[3] * sy))

    return tuple(Line(words=tuple(Word(w.text, box(w.box), w.confidence) for w in line.words),
                      box=box(line.box), block=line.block) for line in lines)
