"""The image handed to Tesseract, made from the page that will be archived.

The archived page keeps its colours and pixels; Tesseract reads a copy where:

- red ink is left out (colour dropout, as a scanner's red lamp does): seals and "ĐẾN"
  stamps, often over text, otherwise come out as lines of garbage. A pixel's grey value
  moves from its luminance towards its red channel as the pixel gets redder, so red ink
  reads as paper while black text (and blue handwriting or signatures) stays as it is;
- a negative page (light text on a dark ground) is inverted;
- a page with non-square pixels (a 200 x 100 dpi fax mode) is resampled to square pixels
  at its higher resolution, since Tesseract assumes square pixels.

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
    """Grayscale ``image`` (RGB) with red ink turned to paper (see the module docstring)."""
    rgb = np.asarray(image, dtype=np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    weight = np.clip((r - np.maximum(g, b) - RED_START) / RED_SPAN, 0.0, 1.0)
    gray = luma + weight * (r - luma)
    return Image.fromarray(np.clip(gray + 0.5, 0, 255).astype(np.uint8), "L")


def has_red_ink(image: Image.Image) -> bool:
    if image.mode != "RGB":
        return False
    small = np.asarray(image.reduce(4) if min(image.size) >= 64 else image, dtype=np.int16)
    redness = small[..., 0] - np.maximum(small[..., 1], small[..., 2])
    return bool((redness > RED_START + RED_SPAN / 2).mean() > 1e-4)


def ocr_view(image: Image.Image, dpi: tuple[float, float], *, drop_red_ink: bool,
             negative: bool = False) -> OcrView:
    view = image
    if view.mode == "RGB" and drop_red_ink and has_red_ink(view):
        view = drop_red(view)
    if negative:
        view = ImageOps.invert(view.convert("L") if view.mode == "1" else view)
    dx, dy = dpi
    scale = (1.0, 1.0)
    if abs(dx - dy) > 0.01 * max(dx, dy):
        target = max(dx, dy)
        size = (round(view.width * target / dx), round(view.height * target / dy))
        work = view.convert("L") if view.mode == "1" else view
        view = work.resize(size, Image.Resampling.LANCZOS)
        scale = (image.width / size[0], image.height / size[1])
    return OcrView(view, max(dx, dy), scale)


def to_page(lines: tuple[Line, ...], view: OcrView) -> tuple[Line, ...]:
    """Boxes found on ``view`` as boxes on the page it was made from."""
    sx, sy = view.scale
    if sx == 1.0 and sy == 1.0:
        return lines

    def box(b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        return (round(b[0] * sx), round(b[1] * sy), round(b[2] * sx), round(b[3] * sy))

    return tuple(Line(words=tuple(Word(w.text, box(w.box), w.confidence) for w in line.words),
                      box=box(line.box), block=line.block) for line in lines)
