"""The invisible text layer of a page: OCR words placed on the image's words.

Each word is drawn in text render mode 3 (invisible) with the glyphless font
(:mod:`trams.pdf.font`). The baseline sits at the font's descent above the line box's
bottom, so a glyph's box reaches from the line box's bottom up by one font size and covers
the line box; the horizontal scaling (``Tz``) stretches the word's glyphs over the word's
box, so a search in a viewer highlights that word. A space glyph stretched over the gap to
the next word keeps word boundaries explicit for text extraction (``pdftotext``); a gap
wider than :data:`COLUMN_GAP` font sizes is left empty, so the halves of a two-column
header or signature block stay separate. Lines are written in the page's reading order.

Font sizes and baselines are chosen so that poppler's layout analysis (``TextOutputDev``:
``pdftotext`` and the viewers built on poppler) reads the page in that order:

* poppler grows a *block* from its top-left word, adding the words of the next line above
  or below when their baselines are within 1.5 font sizes (``maxLineSpacingDelta``), they
  overlap the block horizontally and their font size is within 5 % of the block's
  (``maxBlockFontSizeDelta1``); the lines of a block come out top to bottom, so a block
  spanning both columns of a header or footer interleaves them. Blocks are then ordered by
  Breuel's rules: a block above another that it overlaps horizontally comes first; a block
  left of another comes first unless a third one lies between them. For these rules a
  block is widened over the blocks below it, up to the nearest block beside it.
* Ordinary text lines get one size, :data:`BODY_SCALE` x the page's median line height, so
  the lines of a paragraph make one block.
* Lines of a two-column band (the header: issuing body | national motto; the footer:
  recipients | signer) get another size, :data:`COLUMN_SCALE` x the median line height,
  12 % away from the body size. The body paragraph just above a footer (its last line is
  within 1.5 font sizes of the footer's first row) can then no longer take both footer
  columns into its block, and each column makes blocks of its own, which poppler reads
  left column first, as the page does. A column line is one standing beside another line
  across a column gap, or lying between such rows clear of the other column, or continuing
  a column downward (the last recipients under a short signer's column): otherwise that
  line, with nothing beside it, is widened over the signer's name below and read after the
  right column. The signer's name, a signature's height below, makes a block of its own
  under the signer's column and comes after it.
* poppler puts words whose baselines are within half a font size on one line
  (``maxIntraLineDelta``). A word box swollen by noise lowers its line's bottom towards
  the next line, so a line whose baseline would come within :data:`MIN_PITCH` font sizes
  of the line above it in its column is moved down, as far as its glyphs still cover it.

Lines much taller or smaller than the median (titles in a bigger font, a lone "2024.")
keep their own height as size (see :data:`SNAP_LOW`, :data:`SNAP_HIGH`). Glyph boxes, 1.25
or 1.4 median line heights tall from the line's bottom up, are taller than most line boxes:
harmless for highlighting.

Measured on the 10 reference pages (``trams ocr``, pdftotext, best of the two ground-truth
orders): CER 0.86 % (worst page 2.88 %) with body sizes only, 0.10 % (worst page 0.19 %)
with column sizes; what is left is the OCR's own errors, and a hyphen whose OCR box
overlaps the word before it (so pdftotext joins them).
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass

from trams.models import RecognizedPage, Word
from trams.pdf.font import ADVANCE, DESCENT, encode_text

FONT_RESOURCE = "/F0"
_SPACE = encode_text(" ").hex().upper()
# A gap wider than this many font sizes separates columns (a two-column header), not
# words: no space glyph is stretched over it, so text extraction sees two columns.
COLUMN_GAP = 1.5
# Lines whose height is within these factors of the page's median line height get one
# font size: line boxes of one font differ by accents and descenders only.
SNAP_LOW, SNAP_HIGH = 0.75, 1.35
# That size is BODY_SCALE x the median line height. Text extractors (poppler's pdftotext)
# group lines into one block, hence one column, only when their baseline pitch is under
# about 1.5 font sizes; an administrative header (Circular 30/2020 layout) has line pitches
# up to ~1.8 line heights, so with the bare line height its two columns came out
# interleaved. Measured on the reference pages: pdftotext CER 1.9 % -> 0.6 %.
BODY_SCALE = 1.25
# Lines of a two-column band get COLUMN_SCALE x the median line height (any line up to
# that height): 12 % above the body size, beyond poppler's 5 % same-block tolerance, so a
# column never joins the body paragraph above or below it. Larger, not smaller, so that
# the glyph boxes cover every snapped line (up to SNAP_HIGH) and a column's line pitch (up
# to ~1.8 line heights) stays within 1.5 font sizes.
COLUMN_SCALE = 1.4
# Two of Tesseract's blocks side by side at least this many line heights apart, but closer
# than a header's columns, are body columns (a magazine's, an infobox beside the text).
BLOCK_GAP = 0.3
# Body columns side by side (poppler 22.12's pdftotext, measured): a word on a block's
# lines joins the block when it lies within 0.7 font sizes of it (whatever its size within
# 60 %), and a word beside a block of up to three lines when it lies within one font size
# and its size is within 20 %. Either joins two columns into one block, read line by line
# across both (a magazine page: 75 % CER). So a column's font size keeps its gutter wider
# than SAME_LINE_GAP font sizes, and where the gutter is under BESIDE_GAP font sizes the
# columns alternate between two sizes SIDE_RATIO apart. Wider gutters keep one size: a
# smaller one would cut a column into paragraphs, which poppler may take for a table.
SAME_LINE_GAP = 0.8
BESIDE_GAP = 1.1
SIDE_RATIO = 1.25
# Blocks of fewer lines are no columns (a stamp's or seal's garbled words beside a
# paragraph), and a gutter that would force a font size under MIN_COLUMN_SIZE line heights
# is left alone: at that size a paragraph's lines no longer read as one block.
MIN_COLUMN_LINES = 3
# No size over this many line pitches (the median distance between successive lines of a
# block): successive lines stay at least 0.7 font sizes apart, more than the half a font
# size within which poppler puts two lines into one.
PITCH_CAP = 1.4
CORE_CONFIDENCE = 60.0
MIN_COLUMN_SIZE = 0.9
# poppler puts words whose baselines are within 0.5 font sizes on one line
# (maxIntraLineDelta): the baselines of two lines of one column are kept at least
# MIN_PITCH font sizes apart.
MIN_PITCH = 0.6


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass
class _Segment:
    """Words of one line between column gaps, with the line's box and a font size."""

    words: list[Word]
    line_box: tuple[int, int, int, int]
    size: float  # points
    line: int = 0  # index of its line on the page (one text object per line)
    block: int = 0  # Tesseract's block (0: unknown)
    height: float = 0.0  # pixels: the line's height as its words measure it
    body: bool = False  # of the body's height (gets one of the body's sizes)
    column: bool = False
    gutter: float = 0.0  # pixels: in body columns (see _body_columns), the gutter
    body_side: int = 0  # in body columns: -1 (smaller font size) or 1 (larger), alternating
    bottom: float = 0.0  # pixels: where the glyph boxes end (the baseline is above it)
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # the words' extent, pixels

    def __post_init__(self) -> None:
        self.box = (self.words[0].box[0], min(w.box[1] for w in self.words),
                    self.words[-1].box[2], max(w.box[3] for w in self.words))


@dataclass
class _Band:
    """A band of the page with lines side by side: its vertical extent, and where its
    left column ends (``first_x1``) and its right column starts (``last_x0``)."""

    top: int
    bottom: int
    last_x0: int
    first_x1: int

    def side(self, box: tuple[int, int, int, int], min_gap: float) -> int:
        """-1 (clear of the right column), 1 (clear of the left one), 0 (spans both)."""
        if box[2] + min_gap <= self.last_x0:
            return -1
        return 1 if box[0] >= self.first_x1 + min_gap else 0


def _body_columns(segments: list[_Segment], min_gap: float, line_height: float) -> None:
    """Mark the segments of Tesseract's blocks that stand side by side closer than a
    header's columns (``min_gap``) but at least :data:`BLOCK_GAP` line heights apart:
    body columns, an infobox beside the text. Columns alternate from the left between a
    smaller and a larger font size (:data:`SIDE_RATIO`), the larger kept small enough for
    the narrowest gutter beside the block (:data:`GUTTER_SIZES`)."""
    boxes: dict[int, list[int]] = {}
    lines: dict[int, set[int]] = {}
    for seg in segments:
        if seg.block > 0:
            box = boxes.setdefault(seg.block, list(seg.box))
            box[0], box[1] = min(box[0], seg.box[0]), min(box[1], seg.box[1])
            box[2], box[3] = max(box[2], seg.box[2]), max(box[3], seg.box[3])
            lines.setdefault(seg.block, set()).add(seg.line)
    # Columns of text, not a stamp's or a seal's few garbled words beside a paragraph, and
    # a gutter that leaves room for a font size a paragraph still reads as one block in.
    narrowest = MIN_COLUMN_SIZE * SAME_LINE_GAP * line_height
    boxes = {b: box for b, box in boxes.items() if len(lines[b]) >= MIN_COLUMN_LINES}
    gutters: dict[int, float] = {}  # block -> its narrowest gutter to a block beside it
    left: dict[int, list[int]] = {}  # block -> the body-column blocks right beside it
    for a, (_ax0, ay0, ax1, ay1) in boxes.items():
        for b, (bx0, by0, _bx1, by1) in boxes.items():
            overlap = min(ay1, by1) - max(ay0, by0)
            if a == b or overlap < line_height or bx0 < ax1:
                continue  # b must stand to the right of a, beside it for a line or more
            gap = bx0 - ax1
            if max(BLOCK_GAP * line_height, narrowest) <= gap < min_gap:
                for block in (a, b):
                    gutters[block] = min(gutters.get(block, gap), gap)
                left.setdefault(b, []).append(a)
    rank: dict[int, int] = {}  # columns to the left of a block, counted along its row
    for block in sorted(gutters, key=lambda b: boxes[b][0]):
        rank[block] = max((rank.get(a, 0) + 1 for a in left.get(block, ())), default=0)
    for seg in segments:
        if seg.block in gutters:
            seg.column = True
            seg.gutter = gutters[seg.block]
            seg.body_side = 1 if rank[seg.block] % 2 else -1


def _mark_columns(segments: list[_Segment], min_gap: float, line_height: float) -> None:
    """Mark the segments of two-column bands (``min_gap``, ``line_height`` in pixels).

    A segment is paired when another one overlaps it vertically and stands at least
    ``min_gap`` to its left or right. A band is a vertical interval covered by paired
    segments. A column segment is one that lies in a band and keeps clear of one of its
    columns (a recipients line between two rows of the signer's column, say; a full-width
    line does not), or that continues such a column downward: it starts at most one line
    height under a column segment it overlaps horizontally, and keeps clear of the same
    column (the last recipients under a short signer's column, whose name stands far
    below).
    """
    segments = [s for s in segments if not s.gutter]  # body columns are marked already
    boxes = [s.box for s in segments]
    order = sorted(range(len(segments)), key=lambda i: boxes[i][1])
    paired: set[int] = set()
    for k, i in enumerate(order):
        for j in order[k + 1:]:
            if boxes[j][1] >= boxes[i][3]:
                break  # sorted by top: no later segment overlaps i vertically
            if boxes[j][0] - boxes[i][2] >= min_gap or boxes[i][0] - boxes[j][2] >= min_gap:
                paired.update((i, j))
    bands: list[_Band] = []
    for i in sorted(paired, key=lambda i: boxes[i][1]):
        x0, top, x1, bottom = boxes[i]
        if bands and top < bands[-1].bottom:
            band = bands[-1]
            band.bottom = max(band.bottom, bottom)
            band.last_x0, band.first_x1 = max(band.last_x0, x0), min(band.first_x1, x1)
        else:
            bands.append(_Band(top, bottom, x0, x1))
    member: dict[int, tuple[_Band, int]] = {}  # column segment -> its band and side
    bottoms: list[tuple[int, int]] = []  # (bottom, segment) of the members, sorted
    for i in order:
        x0, y0, x1, y1 = boxes[i]
        for band in bands:
            side = band.side(boxes[i], min_gap)
            if side and band.top <= (y0 + y1) / 2 <= band.bottom:
                member[i] = (band, side)
                break
        else:
            lo = bisect.bisect_left(bottoms, (y0 - line_height, -1))
            hi = bisect.bisect_right(bottoms, (y0 + line_height / 2, len(boxes)))
            for _, j in bottoms[lo:hi]:  # members ending just above this segment's top
                band, side = member[j]
                if (x0 < boxes[j][2] and boxes[j][0] < x1
                        and band.side(boxes[i], min_gap) == side):
                    member[i] = (band, side)
                    break
        if i in member:
            bisect.insort(bottoms, (y1, i))
            segments[i].column = True


def _line_pitch(page: RecognizedPage) -> float | None:
    """The median distance (pixels) between the bottoms of successive lines of a block;
    None with too few lines to tell."""
    steps = sorted(b.box[3] - a.box[3] for a, b in zip(page.lines, page.lines[1:], strict=False)
                   if a.block == b.block and b.box[3] > a.box[3])
    return steps[len(steps) // 2] if len(steps) >= 3 else None


def _segments(page: RecognizedPage, sy: float) -> list[_Segment]:
    """The page's lines split at column gaps, each with its font size (points)."""
    heights = sorted(line.box[3] - line.box[1] for line in page.lines if line.words)
    typical = heights[len(heights) // 2] if heights else 0  # pixels
    word_heights = sorted(w.box[3] - w.box[1] for line in page.lines for w in line.words
                          if w.confidence >= CORE_CONFIDENCE and w.text.strip())
    typical_word = word_heights[len(word_heights) // 2] if word_heights else typical
    pitch = _line_pitch(page)
    # Word boxes blurred taller than the lines are apart (a blurred photo) must not give
    # a size that puts successive lines within half a font size of each other, where
    # poppler reads them as one line.
    cap = PITCH_CAP * pitch if pitch else float("inf")
    out: list[_Segment] = []
    for number, line in enumerate(page.lines):
        words = [w for w in line.words if w.text.strip()]
        if not words:
            continue
        # The line's extent by the words read with some confidence: a stamp or a blot
        # read as garbage beside them (confidence 0-45) would pull its bottom onto the next
        # line, where poppler would mix the two lines' words.
        core = [w for w in words if w.confidence >= CORE_CONFIDENCE] or words
        line_box = (line.box[0], min(w.box[1] for w in core), line.box[2],
                    max(w.box[3] for w in core))
        height = line_box[3] - line_box[1]
        size = max(height, 1.0 / sy)
        # A line is as tall as its words, not as the band they are scattered over (a
        # slanted line on a photographed page, a word box swollen by blur): a line of the
        # body is one whose words (read with confidence) are of the body's height.
        words_height = sorted(w.box[3] - w.box[1] for w in core)[len(core) // 2]
        body = (SNAP_LOW * typical <= height <= SNAP_HIGH * typical
                or (height > SNAP_HIGH * typical
                    and SNAP_LOW * typical_word <= words_height <= SNAP_HIGH * typical_word))
        measured = height if height <= SNAP_HIGH * typical or not body else typical
        if body:
            size = min(typical * BODY_SCALE, cap)  # body text: one size, grouped in blocks
        current = [words[0]]
        for prev, word in zip(words, words[1:], strict=False):
            if word.box[0] - prev.box[2] >= COLUMN_GAP * size:
                out.append(_Segment(current, line_box, size * sy, number, line.block,
                                    height=measured, body=body))
                current = []
            current.append(word)
        out.append(_Segment(current, line_box, size * sy, number, line.block,
                            height=measured, body=body))
    min_gap = COLUMN_GAP * BODY_SCALE * typical
    _body_columns(out, min_gap, typical)
    _mark_columns(out, min_gap, typical)
    for seg in out:
        if seg.gutter and seg.body:
            size = min(BODY_SCALE * typical, seg.gutter / SAME_LINE_GAP, cap)
            if seg.gutter < BESIDE_GAP * size and seg.body_side < 0:
                size /= SIDE_RATIO
            seg.size = size * sy
        elif seg.column and not seg.gutter and seg.height <= COLUMN_SCALE * typical:
            seg.size = min(COLUMN_SCALE * typical, cap) * sy
    _place(out, sy)
    return out


def _place(segments: list[_Segment], sy: float) -> None:
    """Set each segment's ``bottom``: its line box's bottom, moved down when needed.

    Glyph boxes reach from ``bottom`` up by one font size. A segment whose baseline would
    come within :data:`MIN_PITCH` font sizes of the baseline of a segment above it that it
    overlaps horizontally (a word box swollen by noise lowers a line's bottom) is moved
    down, as far as its glyph boxes still cover its line box.
    """
    window = MIN_PITCH * max((s.size for s in segments), default=0.0) / sy
    placed: list[tuple[float, int]] = []  # (bottom, index), sorted
    for k, seg in enumerate(segments):
        x0, _, x1, _ = seg.box
        fs = seg.size / sy
        bottom = float(seg.line_box[3])
        room = seg.line_box[1] + fs  # lowest bottom whose glyph box still covers the top
        lo = bisect.bisect_left(placed, (bottom - window, -1))
        hi = bisect.bisect_right(placed, (bottom, len(segments)))
        for _, j in placed[lo:hi]:  # placed above it, close enough to matter
            other = segments[j]
            if other.box[0] >= x1 or x0 >= other.box[2]:
                continue
            need = other.bottom + MIN_PITCH * max(fs, other.size / sy)
            if bottom < need:
                bottom = max(bottom, min(need, room))
        seg.bottom = bottom
        bisect.insort(placed, (bottom, k))


def text_operators(page: RecognizedPage) -> bytes:
    """Content-stream operators for ``page``'s words, in reading order: one text object
    (``BT ... ET``) per line, the lines of a block one after another; empty if none."""
    sx = 72.0 / page.dpi[0]
    sy = 72.0 / page.dpi[1]
    page_h = page.image.height * sy
    out: list[str] = []
    current_line = None
    for seg in _segments(page, sy):
        if seg.line != current_line:
            if current_line is not None:
                out.append("ET")
            out.append("BT 3 Tr")
            current_line = seg.line
        size = seg.size
        baseline = page_h - seg.bottom * sy - DESCENT / 1000.0 * size
        out.append(f"{FONT_RESOURCE} {_n(size)} Tf")
        unit = ADVANCE / 1000.0 * size  # advance of one glyph at 100 % scaling
        words = seg.words
        for i, word in enumerate(words):
            text = unicodedata.normalize("NFC", word.text.strip())
            code = encode_text(text)
            glyphs = len(code) // 2
            x0 = word.box[0] * sx
            x1 = max(word.box[2] * sx, x0 + 0.1)
            scale = 100.0 * (x1 - x0) / (glyphs * unit)
            out.append(f"{_n(scale)} Tz 1 0 0 1 {_n(x0)} {_n(baseline)} Tm "
                       f"<{code.hex().upper()}> Tj")
            if i + 1 < len(words):
                gap = max(words[i + 1].box[0] * sx - x1, 0.1)
                out.append(f"{_n(100.0 * gap / unit)} Tz 1 0 0 1 {_n(x1)} {_n(baseline)} Tm "
                           f"<{_SPACE}> Tj")
    if not out:
        return b""
    return ("\n".join(out) + "\nET\n").encode("ascii")


def page_operators(page: RecognizedPage) -> bytes:
    """The whole page content: the image over the full page, then the text layer."""
    width, height = page.size_points
    image = f"q {_n(width)} 0 0 {_n(height)} 0 0 cm /Im0 Do Q\n".encode("ascii")
    return image + text_operators(page)
