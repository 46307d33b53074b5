"""Reading order for the two-column blocks of Vietnamese administrative documents.

Decree 30/2020 lays out the header (issuing body | national motto, number | place and
date) and the footer (recipients | signer) in two columns. Tesseract often reads such a
block row by row, joining both columns into one line. Here a line is split where a gap
much wider than a word space separates two columns, and a run of such lines is read column
by column: the whole left column, then the whole right column.
"""

from __future__ import annotations

from statistics import median

from trams.models import Line, Word

MIN_GAP_INCHES = 0.35  # a column gap is at least this wide ...
MIN_GAP_HEIGHTS = 2.5  # ... and this many times the median word height
GARBAGE_CONFIDENCE = 50.0  # words read with less, on average, are a stroke or a stamp


def _line(words: list[Word], block: int = 0) -> Line:
    return Line(words=tuple(words), box=(min(w.box[0] for w in words),
                                         min(w.box[1] for w in words),
                                         max(w.box[2] for w in words),
                                         max(w.box[3] for w in words)), block=block)


def _split(line: Line, min_gap: float) -> tuple[Line, Line, float] | None:
    """(left, right, gap centre) when the line has exactly one column gap, or several
    with nothing but garbage after the first (a signature or seal read as words beside
    the recipients' column: confidence under :data:`GARBAGE_CONFIDENCE`)."""
    words = line.words
    gaps = [(words[i + 1].box[0] - words[i].box[2], i) for i in range(len(words) - 1)]
    wide = [(g, i) for g, i in gaps if g >= min_gap]
    if not wide:
        return None
    if len(wide) > 1:
        rest = words[wide[0][1] + 1:]
        if sum(w.confidence for w in rest) / len(rest) >= GARBAGE_CONFIDENCE:
            return None  # a table's row: read across
    gap, i = wide[0]
    centre = (words[i].box[2] + words[i + 1].box[0]) / 2
    return _line(list(words[:i + 1]), line.block), _line(list(words[i + 1:]), line.block), \
        centre


def reading_order(lines: tuple[Line, ...], *, dpi: float) -> tuple[Line, ...]:
    """Lines in reading order, two-column runs split and read column by column."""
    heights = [w.box[3] - w.box[1] for line in lines for w in line.words]
    if not heights:
        return lines
    min_gap = max(MIN_GAP_INCHES * dpi, MIN_GAP_HEIGHTS * median(heights))
    out: list[Line] = []
    i = 0
    while i < len(lines):
        first = _split(lines[i], min_gap)
        if first is None:
            out.append(lines[i])
            i += 1
            continue
        centre = first[2]
        left, right = [first[0]], [first[1]]
        j = i + 1
        while j < len(lines):
            line = lines[j]
            split = _split(line, min_gap)
            if split is not None and split[0].box[2] < centre < split[1].box[0]:
                left.append(split[0])
                right.append(split[1])
            elif line.box[2] < centre and len(line.words) <= 8:
                left.append(line)
            elif line.box[0] > centre and len(line.words) <= 8:
                right.append(line)
            else:
                break
            j += 1
        out += left + right
        i = j
    return tuple(out)
