"""The signer block of a document, found the way a person reads the last page.

Decree 30/2020/ND-CP, Appendix I: below the body's last paragraph, a two-column band: on the
left "Nơi nhận:" and the recipients, on the right the signer block::

    TM. ỦY BAN NHÂN DÂN       authority (optional): TM. / KT. / TL. / TUQ. / Q. + organ or title
    CHỦ TỊCH                  title, in capitals (may wrap over two lines)
                              space for the signature and the seal
    Nguyễn Văn Hùng           full name, bold, upper and lower case (or, in older
                              templates, in capitals)

:func:`find_signer_block` looks for exactly that shape in a page's text lines
(:mod:`trams.signing.pagetext`): a name line in the right half of the page; straight above
it, across a blank space and centred on it, one to four lines in capitals, the first of
which may be an authority line; nothing else inside the block's column from its top to the
name; no body text below the block's top that reaches into its column; and, where the page
has a "Nơi nhận:" line, that line beside the block on its left. The lowest such block on
the page is the signer's. The name printed there is then compared with the key holder's
(:func:`same_name`: Unicode NFC, case-insensitive, diacritics-sensitive).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass

from trams.signing.pagetext import PageText, TextLine

# Decree 30/2020 Appendix I: "TM." (on behalf of a collective), "KT." (deputy signing for
# the head), "TL." and "TUQ." (by order, by authorization), "Q." (acting).
AUTHORITY = re.compile(r"^(TM|KT|TL|TUQ|Q)\s?\.\s*\S", re.IGNORECASE)
RECIPIENTS = re.compile(r"^n[ơo]i\s+nh[ậa]n\b", re.IGNORECASE)
_NAME_PUNCT = set("'’-.")
_STRAY = " .,;:·'’-"
MAX_TITLE_LINES = 4


def normalise(text: str) -> str:
    """NFC, case-folded, single spaces: the form names and titles are compared in."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def same_name(printed: str, *names: str | None) -> bool:
    """Whether the printed name is one of ``names`` (stray punctuation an OCR engine may
    read around a name is ignored)."""
    want = normalise(printed).strip(_STRAY)
    return any(n and normalise(n).strip(_STRAY) == want for n in names)


def is_capitals(text: str) -> bool:
    """A title line: (almost) every letter a capital, as Decree 30 prints titles."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def is_name(text: str, *, capitals: bool = False) -> bool:
    """A person's full name as printed under a signature: 2-7 words, each starting with a
    capital, letters only (apostrophes and hyphens of minority names allowed), in upper and
    lower case as Decree 30 prints it; with ``capitals``, all in capitals (older templates)."""
    words = text.split()
    if not 2 <= len(words) <= 7:
        return False
    for word in words:
        if not (word[0].isalpha() and word[0].isupper()):
            return False
        if any(not (c.isalpha() or c in _NAME_PUNCT) for c in word):
            return False
    lower = any(c.islower() for c in text)
    return not lower if capitals else lower


@dataclass(frozen=True)
class SignerBlock:
    """The lines of a signer block (boxes in PDF user space, y up)."""

    authority: TextLine | None
    titles: tuple[TextLine, ...]
    name: TextLine

    @property
    def lines(self) -> tuple[TextLine, ...]:
        return (*((self.authority,) if self.authority else ()), *self.titles, self.name)

    @property
    def title(self) -> str:
        return " ".join(t.text for t in self.titles)

    @property
    def printed_name(self) -> str:
        return self.name.text

    @property
    def gap(self) -> tuple[float, float]:
        """The blank space for the signature: (bottom, top) = the name line's top and the
        title line's bottom."""
        return self.name.y1, self.titles[-1].y0

    @property
    def top(self) -> float:
        return max(line.y1 for line in self.lines)

    @property
    def column(self) -> tuple[float, float]:
        return min(ln.x0 for ln in self.lines), max(ln.x1 for ln in self.lines)


def _overlaps_x(a: TextLine, x0: float, x1: float) -> bool:
    return a.x0 < x1 and a.x1 > x0


def _centred(a: TextLine, b: TextLine, line_height: float) -> bool:
    tolerance = max(3 * line_height, 0.25 * max(a.width, b.width))
    return abs(a.centre - b.centre) <= tolerance


def _noise(line: TextLine) -> bool:
    """A speck the OCR read as a character or two ("l", "'", "."): not a line of the block
    (scans carry dust, and a signature space often a stroke or two)."""
    return len("".join(line.text.split())) <= 2


def _line_above(lines: tuple[TextLine, ...], below: TextLine, x0: float, x1: float
                ) -> TextLine | None:
    """The nearest line above ``below`` that reaches into [x0, x1] (specks aside)."""
    above = [ln for ln in lines if ln is not below and (ln.y0 + ln.y1) / 2 > below.y1
             and _overlaps_x(ln, x0, x1) and not _noise(ln)]
    return min(above, key=lambda ln: ln.y0, default=None)


def _block_at(page: PageText, name: TextLine, line_height: float, text_width: float,
              page_middle: float) -> SignerBlock | None:
    lines = page.lines
    if name.centre <= page_middle:
        return None
    title = _line_above(lines, name, name.x0, name.x1)
    if title is None or not is_capitals(title.text) or not _centred(title, name, line_height):
        return None
    if is_capitals(name.text) and title.y0 - name.y1 < line_height:
        return None  # a name in capitals only with a blank line above it: not a title line
    group = [title]
    while len(group) < MAX_TITLE_LINES and not AUTHORITY.match(group[0].text):
        top = group[0]
        up = _line_above(lines, top, top.x0, top.x1)
        if (up is None or up.y0 - top.y1 > 0.9 * line_height or not is_capitals(up.text)
                or not _centred(up, name, line_height)):
            break
        group.insert(0, up)
    authority = group[0] if AUTHORITY.match(group[0].text) else None
    titles = tuple(group[1:] if authority else group)
    if not titles:
        return None
    block = SignerBlock(authority, titles, name)
    own = {id(ln) for ln in block.lines}
    x0, x1 = block.column
    top = block.top
    for line in lines:
        if id(line) in own or not _overlaps_x(line, x0, x1) or _noise(line):
            continue
        if line.y1 > name.y0 and line.y0 < top:
            return None  # other text inside the block: not a signer block
        if line.y1 <= name.y0 and line.width > 0.5 * text_width:
            return None  # body text goes on below it: not the end of the document
    recipients = [ln for ln in lines if RECIPIENTS.match(ln.text)]
    if recipients and not any(
            r.x1 <= x0 + line_height and name.y0 - 3 * line_height < r.y1
            and r.y0 < top + 3 * line_height for r in recipients):
        return None  # "Nơi nhận:" is on the page, but not beside this block
    return block


def find_signer_block(page: PageText, *, page_box: tuple[float, float, float, float]
                      ) -> SignerBlock | None:
    """The lowest signer block on ``page`` (see the module docstring), or None.

    ``page_box``: the visible page (CropBox) in user space; the block lies in its right
    half."""
    lines = page.lines
    if not lines:
        return None
    line_height = statistics.median(ln.height for ln in lines)
    text_width = max(ln.x1 for ln in lines) - min(ln.x0 for ln in lines)
    middle = (page_box[0] + page_box[2]) / 2
    names = [ln for ln in lines if is_name(ln.text) or is_name(ln.text, capitals=True)]
    for name in sorted(names, key=lambda ln: ln.y0):
        block = _block_at(page, name, line_height, text_width, middle)
        if block is not None:
            return block
    return None
