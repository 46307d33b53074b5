"""The nearest place on a page where a box covers nothing.

The text stamps of copies, attachments and dossiers (Decree 30/2020, Appendix I: top right
of the first page; the desk officer's at the top left) start at their prescribed corner;
where that would cover text, they move down and away from the corner (left for the right
corner, right for the left one) to the nearest free spot. The page is a 1-point grid of
occupied cells; its summed-area table tells, for every position at once, whether a box
there covers an occupied cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF user space (y up)


def overlaps(a: Box, b: Box, margin: float = 0.0) -> bool:
    return (a[0] < b[2] + margin and b[0] < a[2] + margin
            and a[1] < b[3] + margin and b[1] < a[3] + margin)


def nearest_free(start: Box, obstacles: Iterable[Box], *, bounds: Box, toward: int,
                 margin: float = 1.0) -> Box | None:
    """``start`` if it covers no obstacle (grown by ``margin``); else the nearest box of the
    same size, moved down and horizontally in direction ``toward`` (-1 left, +1 right),
    lying inside ``bounds`` and covering none; None when there is no such place."""
    obstacles = [o for o in obstacles if overlaps(o, bounds)]
    inside = (start[0] >= bounds[0] - 0.01 and start[1] >= bounds[1] - 0.01
              and start[2] <= bounds[2] + 0.01 and start[3] <= bounds[3] + 0.01)
    if inside and not any(overlaps(start, o, margin) for o in obstacles):
        return start
    cols = int(math.floor(bounds[2] - bounds[0]))
    rows = int(math.floor(bounds[3] - bounds[1]))
    w = int(math.ceil(start[2] - start[0]))
    h = int(math.ceil(start[3] - start[1]))
    if w > cols or h > rows or w <= 0 or h <= 0:
        return None
    grid = np.zeros((rows, cols), dtype=np.int32)
    for o in obstacles:
        xa = max(0, int(math.floor(o[0] - margin - bounds[0])))
        xb = min(cols, int(math.ceil(o[2] + margin - bounds[0])))
        ya = max(0, int(math.floor(o[1] - margin - bounds[1])))
        yb = min(rows, int(math.ceil(o[3] + margin - bounds[1])))
        if xa < xb and ya < yb:
            grid[ya:yb, xa:xb] = 1
    table = np.zeros((rows + 1, cols + 1), dtype=np.int32)
    table[1:, 1:] = grid.cumsum(axis=0).cumsum(axis=1)
    # covered[y, x]: occupied cells under a w x h box whose bottom-left cell is (x, y)
    covered = table[h:, w:] - table[:-h, w:] - table[h:, :-w] + table[:-h, :-w]
    sx = min(max(int(round(start[0] - bounds[0])), 0), covered.shape[1] - 1)
    sy = min(max(int(round(start[1] - bounds[1])), 0), covered.shape[0] - 1)
    ys, xs = np.nonzero(covered == 0)
    keep = (ys <= sy) & ((xs <= sx) if toward < 0 else (xs >= sx))
    ys, xs = ys[keep], xs[keep]
    if ys.size == 0:
        return None
    best = int(np.argmin((xs - sx).astype(np.int64) ** 2 + (ys - sy).astype(np.int64) ** 2))
    # whole points away from the start (the grid's rounding is within the margin)
    x0 = min(max(start[0] + float(xs[best] - sx), bounds[0]), bounds[2] - (start[2] - start[0]))
    y0 = min(max(start[1] + float(ys[best] - sy), bounds[1]), bounds[3] - (start[3] - start[1]))
    return (x0, y0, x0 + (start[2] - start[0]), y0 + (start[3] - start[1]))
