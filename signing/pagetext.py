"""The words and lines of a page as a reader sees them, from poppler's ``pdftotext
-bbox-layout``: the PDF's own text for a born-digital document, the invisible OCR text
layer for a scan made by `trams ocr` or `trams run`.

Used to place visible signatures (:mod:`trams.signing.signerblock`,
:mod:`trams.signing.appearance`): where the signer block is, and where text must not be
covered. Text is Unicode NFC. Boxes are in PDF user space (points, origin at the
bottom-left of the page, y up), the space signature widgets are placed in.

Lines are poppler's, split where a gap between two words is wider than the line is tall:
the two columns of a header or of the footer ("Nơi nhận:" | the signer block) then never
make one line, whatever block poppler put them in.

One module per external program (style.md): explicit timeout, install hint, checked output.
(This module was ``textlayer.py``; renamed so as not to be confused with
:mod:`trams.pdf.textlayer`, which writes the text layer.)
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from trams.errors import DependencyError, InputError
from trams.i18n import _

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30
_NS = "{http://www.w3.org/1999/xhtml}"
# A gap between two words wider than this many line heights separates columns.
COLUMN_GAP = 1.0
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF user space (y up)


@dataclass(frozen=True)
class Word:
    text: str
    box: Box


@dataclass(frozen=True)
class TextLine:
    """A run of words on one line of one column."""

    text: str
    box: Box
    words: tuple[Word, ...] = ()

    @property
    def x0(self) -> float:
        return self.box[0]

    @property
    def y0(self) -> float:  # the bottom
        return self.box[1]

    @property
    def x1(self) -> float:
        return self.box[2]

    @property
    def y1(self) -> float:  # the top
        return self.box[3]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def centre(self) -> float:
        return (self.box[0] + self.box[2]) / 2


@dataclass(frozen=True)
class PageText:
    """The text lines of one page (0-based ``index``), top of the page first."""

    index: int
    lines: tuple[TextLine, ...]


def _pdftotext() -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise DependencyError(_("pdftotext is not installed"),
                              hint=_("Install poppler-utils (apt-get install poppler-utils)."),
                              code="pdftotext_missing")
    return exe


def _split(words: list[Word]) -> list[TextLine]:
    """One line of poppler's, cut where the gap between two words is a column gap."""
    runs: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.box[0]):
        if runs:
            prev = runs[-1][-1]
            height = max(prev.box[3] - prev.box[1], word.box[3] - word.box[1])
            if word.box[0] - prev.box[2] <= COLUMN_GAP * height:
                runs[-1].append(word)
                continue
        runs.append([word])
    return [TextLine(" ".join(w.text for w in run),
                     (min(w.box[0] for w in run), min(w.box[1] for w in run),
                      max(w.box[2] for w in run), max(w.box[3] for w in run)), tuple(run))
            for run in runs]


# Control characters XML forbids: pdftotext writes them as they come from fonts without a
# Unicode mapping (Type 3 fonts, say), which would make its output unreadable as XML.
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_bbox_layout(xhtml: bytes, *, index: int, media: Box) -> PageText:
    """The lines of the first page in ``pdftotext -bbox-layout`` output, in user space of a
    page whose MediaBox is ``media`` (pdftotext measures from its top-left corner)."""
    root = ET.fromstring(_NOT_XML.sub(b"", xhtml))
    page = root.find(f".//{_NS}page")
    if page is None:
        return PageText(index, ())
    left, top = media[0], media[3]
    lines: list[TextLine] = []
    for line in page.iter(f"{_NS}line"):
        words = []
        for w in line.iter(f"{_NS}word"):
            text = unicodedata.normalize("NFC", w.text or "").strip()
            if not text:
                continue
            x0, y0 = float(w.get("xMin")), float(w.get("yMin"))
            x1, y1 = float(w.get("xMax")), float(w.get("yMax"))
            words.append(Word(text, (left + x0, top - y1, left + x1, top - y0)))
        if words:
            lines.extend(_split(words))
    lines.sort(key=lambda ln: (-ln.y1, ln.x0))
    return PageText(index, tuple(lines))


def read_page_text(pdf: Path, *, index: int, media: Box) -> PageText:
    """The text lines of page ``index`` (0-based) of ``pdf``, an unrotated page whose
    MediaBox is ``media``."""
    cmd = [_pdftotext(), "-bbox-layout", "-enc", "UTF-8", "-f", str(index + 1), "-l",
           str(index + 1), str(pdf), "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(_("reading the page's text took too long"), path=pdf,
                         hint=_("Check the file with `qpdf --check`; re-export or re-scan "
                                "it."), code="pdf_text_timeout") from None
    if proc.stderr:
        log.debug("pdftotext: %s", proc.stderr.decode(errors="replace").strip())
    if proc.returncode != 0:
        raise InputError(_("cannot read the page's text (pdftotext exit {code})",
                           code=proc.returncode), path=pdf,
                         hint=_("Check that the file is a readable PDF."),
                         code="pdf_text_unreadable")
    try:
        return parse_bbox_layout(proc.stdout, index=index, media=media)
    except ET.ParseError as exc:
        raise InputError(_("cannot read the page's text ({reason})", reason=str(exc)),
                         path=pdf, hint=_("Check that the file is a readable PDF."),
                         code="pdf_text_unreadable") from None
