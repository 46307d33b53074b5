"""Page clean-up: blank detection, skew measurement, straightening and turning upright.

Skew is measured by projection profiles: the dark pixels of a ~150 dpi copy are projected
onto the vertical axis at candidate angles; text lines give the sharpest profile when the
angle matches the skew. Coarse search over +-``MAX_SKEW`` degrees, then a fine one.
Angles are counter-clockwise degrees (PIL's convention): a page measured at +1.2 was
turned 1.2 degrees counter-clockwise by the scanner and is straightened by turning it back.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

MAX_SKEW = 6.0  # degrees searched either way; scanners feed paper straighter than this
ANALYSIS_DPI = 150.0


def _analysis_gray(image: Image.Image, dpi: float) -> np.ndarray:
    """A small grayscale copy (about ANALYSIS_DPI) as a uint8 array."""
    gray = image if image.mode == "L" else image.convert("L")
    factor = max(1, round(dpi / ANALYSIS_DPI))
    if factor > 1:
        gray = gray.reduce(factor)
    return np.asarray(gray)


def ink_mask(image: Image.Image, dpi: float) -> np.ndarray:
    """Boolean mask of ink at analysis resolution (empty for a blank page).

    Ink is what is clearly darker than the paper: the paper tone is the median (most of a
    page is paper), its noise the median absolute deviation; a pixel is ink when it is
    darker than the paper by at least 60 levels and 5 noise deviations.
    """
    gray = _analysis_gray(image, dpi)
    hist = np.bincount(gray.ravel(), minlength=256)
    paper = _median_of_histogram(hist)
    # deviation |v - paper| for every level, weighted by how often the level occurs
    deviations = np.bincount(np.abs(np.arange(256) - paper), weights=hist, minlength=256)
    spread = 1.4826 * _median_of_histogram(deviations)
    return gray < paper - max(60.0, 5.0 * spread)


def _median_of_histogram(hist: np.ndarray) -> int:
    cumulative = np.cumsum(hist)
    return int(np.searchsorted(cumulative, cumulative[-1] / 2))


def ink_share(image: Image.Image, dpi: float, *, mask: np.ndarray | None = None) -> float:
    """Share of the page covered by ink, ignoring a 5 % border (scanner edges, punch holes)."""
    mask = ink_mask(image, dpi) if mask is None else mask
    h, w = mask.shape
    my, mx = h // 20, w // 20
    inner = mask[my:h - my, mx:w - mx]
    if inner.size == 0:
        return 0.0
    # Isolated specks (noise, dust) are not ink: keep pixels with an inked neighbour.
    neighbours = np.zeros(inner.shape, dtype=bool)
    neighbours[1:, :] |= inner[:-1, :]
    neighbours[:, 1:] |= inner[:, :-1]
    return float((inner & neighbours).mean())


def is_blank(image: Image.Image, dpi: float, *, white_share: float,
             mask: np.ndarray | None = None) -> bool:
    """True when at least ``white_share`` of the page (0-1) is free of ink."""
    return 1.0 - ink_share(image, dpi, mask=mask) >= white_share


def _ink_points(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ink's rows, and its columns from the page's middle (floats, for projecting)."""
    ys, xs = np.nonzero(mask)
    return ys.astype(np.float64), xs.astype(np.float64) - mask.shape[1] / 2


def _rows(ys: np.ndarray, xs: np.ndarray, angle: float) -> np.ndarray:
    """The ink points projected along lines at ``angle`` onto the vertical axis: each
    point's row, counted from the first row holding ink."""
    proj = np.round(ys + xs * np.tan(np.radians(angle))).astype(np.int64)
    return proj - proj.min()


def _profile_score(ys: np.ndarray, xs: np.ndarray, angle: float, height: int) -> float:
    hist = np.bincount(_rows(ys, xs, angle), minlength=height).astype(np.float64)
    diff = np.diff(hist)
    return float(np.dot(diff, diff))


def measure_skew(image: Image.Image | None, dpi: float, *, mask: np.ndarray | None = None) -> float:
    """Skew of the text lines in counter-clockwise degrees; 0.0 when nothing to measure.

    ``mask``: the page's :func:`ink_mask`, when the caller already has it (``image`` is then
    not needed).
    """
    mask = ink_mask(image, dpi) if mask is None else mask
    ys, xs = _ink_points(mask)
    if len(ys) < 200:
        return 0.0
    if len(ys) > 400_000:  # a dark page: a regular sample keeps the profile and the speed
        step = len(ys) // 400_000 + 1
        ys, xs = ys[::step], xs[::step]

    def best(candidates: np.ndarray) -> float:
        scores = [_profile_score(ys, xs, a, mask.shape[0]) for a in candidates]
        return float(candidates[int(np.argmax(scores))])

    coarse = best(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25))
    fine = best(np.arange(coarse - 0.3, coarse + 0.3 + 1e-9, 0.02))
    # y grows downwards: lines turned counter-clockwise rise to the right, i.e. y + x*tan(a)
    # is constant for a = +skew.
    return round(fine, 2)


def line_height(mask: np.ndarray, skew: float, dpi: float) -> float | None:
    """Median height, in page pixels, of the page's text lines (from the top of their
    accents to the bottom of their descenders); None when fewer than 3 lines are found.

    ``mask``: the page's :func:`ink_mask`; ``skew``: its :func:`measure_skew`. The ink is
    projected along the lines, and each run of rows holding ink is a line (lines set so
    tight that their accents touch merge into one run: the height is then overstated,
    which is why the reader of :mod:`.ocr_image` never goes under 200 dpi on it)."""
    ys, xs = _ink_points(mask)
    if len(ys) < 200:
        return None
    rows = np.bincount(_rows(ys, xs, skew)) > 0
    edges = np.diff(np.concatenate(([0], rows.astype(np.int8), [0])))
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    runs = runs[runs >= 3]  # specks and rules are not lines
    if len(runs) < 3:
        return None
    return float(np.median(runs)) * max(1, round(dpi / ANALYSIS_DPI))


# A skew is corrected when it moves a text line by at least this much from one side of the
# page to the other (6 px at 300 dpi: 0.14 degrees on A4). Below it Tesseract reads the
# line as it is, and turning the page would only resample (blur) every pixel. Measured on
# the Vietnamese pages of benchmarks/cer_scans.py (see trams/pdf/README.md).
MIN_DRIFT_INCHES = 0.02


def worth_turning(skew: float, width: int, dpi: float) -> bool:
    """Is a skew of ``skew`` degrees on a page ``width`` pixels wide worth correcting?"""
    if abs(skew) < 0.005:
        return False
    return width * abs(np.tan(np.radians(skew))) >= MIN_DRIFT_INCHES * dpi


def paper_fill(image: Image.Image) -> int | tuple[int, ...]:
    """Colour for corners uncovered by rotation: the page's paper tone."""
    small = image.reduce(8) if min(image.size) >= 64 else image
    arr = np.asarray(small.convert("RGB" if image.mode == "RGB" else "L"))
    if arr.ndim == 3:
        return tuple(int(v) for v in np.percentile(arr.reshape(-1, 3), 90, axis=0))
    return int(np.percentile(arr, 90))


def rotate_fine(image: Image.Image, angle: float) -> Image.Image:
    """Turn by ``angle`` degrees counter-clockwise, same size, corners paper-toned.

    Bilinear: scans are already soft, bicubic costs 2.5x the time for no gain in OCR.
    """
    if abs(angle) < 0.005:
        return image
    if image.mode == "1":
        turned = image.convert("L").rotate(angle, resample=Image.Resampling.BILINEAR,
                                           fillcolor=255)
        return turned.point(lambda v: 255 if v >= 128 else 0).convert("1")
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    return image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=paper_fill(image))


def turn_upright(image: Image.Image, clockwise: int) -> Image.Image:
    """Turn by a right angle, clockwise, losslessly."""
    ops = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
           270: Image.Transpose.ROTATE_90}
    return image.transpose(ops[clockwise]) if clockwise in ops else image
