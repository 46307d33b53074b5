"""The invisible text layer of a page: OCR words placed on the image's words.

Each word is drawn in text render mode 3 (invisible) with the glyphless font
(:mod:`trams.pdf.font`). The font size is the line's height (snapped to the page's median
line height for ordinary text lines, see :data:`SNAP_LOW`), the baseline sits at the
font's descent above the line box's bottom, so a glyph's box covers the line box; the
horizontal scaling (``Tz``) stretches the word's glyphs over the word's box, so a search in
a viewer highlights that word. A space glyph stretched over the gap to the next word keeps
word boundaries explicit for text extraction (``pdftotext``); a gap wider than
:data:`COLUMN_GAP` line heights is left empty, so the halves of a two-column header or
signature block stay separate columns. Lines are written in the page's reading order.
"""

from __future__ import annotations

import unicodedata

from trams.models import RecognizedPage
from trams.pdf.font import ADVANCE, DESCENT, encode_text

FONT_RESOURCE = "/F0"
_SPACE = encode_text(" ").hex().upper()
# A gap wider than this many line heights separates columns (a two-column header), not
# words: no space glyph is stretched over it, so text extraction sees two columns.
COLUMN_GAP = 1.5
# Lines whose height is within these factors of the page's median line height get one
# font size: line boxes of one font differ by accents and descenders only.
SNAP_LOW, SNAP_HIGH = 0.75, 1.35
# That size is BODY_SCALE x the median line height. Text extractors (poppler's pdftotext)
# group lines into one block, hence one column, only when their baseline pitch is under
# about 1.5 font sizes; an administrative header (Circular 30/2020 layout) has line pitches
# up to ~1.8 line heights, so with the bare line height its two columns came out
# interleaved. The glyph boxes then reach 25 % above the line box, harmless for
# highlighting. Measured on the reference pages: pdftotext CER 1.9 % -> 0.6 %.
BODY_SCALE = 1.25


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_operators(page: RecognizedPage) -> bytes:
    """Content-stream operators (``BT ... ET``) for ``page``'s words; empty if none."""
    sx = 72.0 / page.dpi[0]
    sy = 72.0 / page.dpi[1]
    page_h = page.image.height * sy
    out: list[str] = []
    heights = sorted(line.box[3] - line.box[1] for line in page.lines if line.words)
    typical = heights[len(heights) // 2] * sy if heights else 0.0
    for line in page.lines:
        words = [w for w in line.words if w.text.strip()]
        if not words:
            continue
        size = max((line.box[3] - line.box[1]) * sy, 1.0)
        if SNAP_LOW * typical <= size <= SNAP_HIGH * typical:
            size = typical * BODY_SCALE  # body text: one size, grouped into blocks
        baseline = page_h - line.box[3] * sy - DESCENT / 1000.0 * size
        out.append(f"{FONT_RESOURCE} {_n(size)} Tf")
        unit = ADVANCE / 1000.0 * size  # advance of one glyph at 100 % scaling
        for i, word in enumerate(words):
            text = unicodedata.normalize("NFC", word.text.strip())
            code = encode_text(text)
            glyphs = len(code) // 2
            x0 = word.box[0] * sx
            x1 = max(word.box[2] * sx, x0 + 0.1)
            scale = 100.0 * (x1 - x0) / (glyphs * unit)
            out.append(f"{_n(scale)} Tz 1 0 0 1 {_n(x0)} {_n(baseline)} Tm "
                       f"<{code.hex().upper()}> Tj")
            gap = words[i + 1].box[0] * sx - x1 if i + 1 < len(words) else None
            if gap is not None and gap < COLUMN_GAP * size:
                gap = max(gap, 0.1)
                out.append(f"{_n(100.0 * gap / unit)} Tz 1 0 0 1 {_n(x1)} {_n(baseline)} Tm "
                           f"<{_SPACE}> Tj")
    if not out:
        return b""
    return ("BT 3 Tr\n" + "\n".join(out) + "\nET\n").encode("ascii")


def page_operators(page: RecognizedPage) -> bytes:
    """The whole page content: the image over the full page, then the text layer."""
    width, height = page.size_points
    image = f"q {_n(width)} 0 0 {_n(height)} 0 0 cm /Im0 Do Q\n".encode("ascii")
    return image + text_operators(page)
