"""Text lines with their positions, from poppler's ``pdftotext -bbox-layout``.

Used to find where the leader's signature image goes: centred between the signer's title
line and full-name line, near the bottom of the last page (Decree 30/2020, Appendix I).
One module per external program (style.md): explicit timeout, install hint, checked output.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from trams.errors import DependencyError, InputError
from trams.i18n import _

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30
_NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class TextLine:
    text: str
    x0: float  # points, origin at the TOP-left of the page (as pdftotext gives them)
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class PageText:
    width: float
    height: float
    lines: tuple[TextLine, ...]


def page_lines(pdf: Path, page_number: int) -> PageText:
    """The text lines of page ``page_number`` (1-based) of ``pdf``."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise DependencyError(_("pdftotext is not installed"),
                              hint=_("Install poppler-utils (apt-get install poppler-utils), "
                                     "or set signing.signature_box in trams.toml."))
    cmd = [exe, "-bbox-layout", "-enc", "UTF-8", "-f", str(page_number), "-l",
           str(page_number), str(pdf), "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(_("reading the text layer took too long"), path=pdf,
                         hint=_("Set signing.signature_box in trams.toml.")) from None
    if proc.stderr:
        log.debug("pdftotext: %s", proc.stderr.decode(errors="replace").strip())
    if proc.returncode != 0:
        raise InputError(_("cannot read the text layer (pdftotext exit {code})",
                           code=proc.returncode), path=pdf,
                         hint=_("Check that the file is a readable PDF."))
    root = ET.fromstring(proc.stdout)
    page = root.find(f".//{_NS}page")
    if page is None:
        return PageText(0, 0, ())
    lines = []
    for line in page.iter(f"{_NS}line"):
        words = [w.text or "" for w in line.iter(f"{_NS}word")]
        lines.append(TextLine(" ".join(words), float(line.get("xMin")), float(line.get("yMin")),
                              float(line.get("xMax")), float(line.get("yMax"))))
    return PageText(float(page.get("width")), float(page.get("height")), tuple(lines))
