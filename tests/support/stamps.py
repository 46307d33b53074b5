"""Where the stamps of a signed page landed, seen from outside TRAMS: the page rendered by
poppler (``pdftoppm``) and the page's text boxes read by poppler (``pdftotext
-bbox-layout``). Nothing here uses trams.signing: the checks are independent of the code
that placed the stamps.

Coordinates are points from the page's top-left corner, y down (as pdftotext gives them):
``(x0, top, x1, bottom)``.
"""

from __future__ import annotations

import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image

DPI = 100
_NS = "{http://www.w3.org/1999/xhtml}"
Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Line:
    text: str
    box: Rect

    @property
    def centre(self) -> float:
        return (self.box[0] + self.box[2]) / 2


def text_lines(pdf: Path, page: int) -> list[Line]:
    """poppler's text lines of ``page`` (1-based), NFC."""
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page),
                          str(pdf), "-"], capture_output=True, check=True, timeout=60).stdout
    lines = []
    for line in ET.fromstring(out).iter(f"{_NS}line"):
        words = [w.text or "" for w in line.iter(f"{_NS}word")]
        lines.append(Line(unicodedata.normalize("NFC", " ".join(words)),
                          tuple(float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))))
    return lines


def find_line(lines: list[Line], text: str) -> Line:
    """The lowest line whose text is ``text`` (stripped, NFC)."""
    want = unicodedata.normalize("NFC", text)
    found = [ln for ln in lines if ln.text.strip() == want]
    assert found, f"no line {text!r} in {[ln.text for ln in lines]}"
    return max(found, key=lambda ln: ln.box[1])


def render(pdf: Path, page: int, folder: Path, name: str) -> np.ndarray:
    prefix = folder / name
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-png",
                    "-singlefile", str(pdf), str(prefix)], check=True, timeout=120)
    return np.asarray(Image.open(f"{prefix}.png").convert("RGB")).astype(int)


def ink_box(pixels: np.ndarray, colour: str) -> Rect | None:
    """The box (points) of the blue (signature) or red (seal) ink on a rendered page."""
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    mask = ((b > 120) & (r < 110) & (g < 120) & (b - r > 60) if colour == "blue"
            else (r > 150) & (g < 100) & (b < 100))
    ys, xs = np.nonzero(mask)
    if xs.size < 20:
        return None
    scale = 72 / DPI
    return (xs.min() * scale, ys.min() * scale, (xs.max() + 1) * scale, (ys.max() + 1) * scale)


def leader_revision(signed: Path, out: Path) -> Path:
    """The file as it was after the leader signed (the bytes up to the end of the leader
    signature's revision), to see the signature image without the seal over it."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = signed.read_bytes()
    reader = PdfFileReader(BytesIO(data), strict=False)
    leader = next(s for s in reader.embedded_regular_signatures if s.field_name != "Agency")
    byte_range = leader.sig_object["/ByteRange"]
    out.write_bytes(data[:int(byte_range[2]) + int(byte_range[3])])
    return out


def intersects(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass(frozen=True)
class IssuedStamps:
    signature: Rect  # the blue ink of the leader's image
    seal: Rect  # the red ink of the agency's seal
    title: Line
    name: Line
    body: list[Line]


def issued_stamps(signed: Path, lines: list[Line], page: int, *, title: str, name: str,
                  work: Path, body_ends: float) -> IssuedStamps:
    """Render ``page`` of a signed issued document (and its leader revision) and find the
    stamps' ink; ``lines`` are the page's text boxes (of the unsigned file, or of the
    signed one for images), ``body_ends``: the y where the footer starts."""
    work.mkdir(parents=True, exist_ok=True)
    before = render(leader_revision(signed, work / "leader.pdf"), page, work, "leader")
    after = render(signed, page, work, "final")
    signature = ink_box(before, "blue")
    seal = ink_box(after, "red")
    assert signature is not None, "no blue signature ink on the page"
    assert seal is not None, "no red seal ink on the page"
    name_line = find_line(lines, name)
    titles = [ln for ln in lines if ln.text.strip() == title and ln.box[3] <= name_line.box[1]]
    assert titles, f"no line {title!r} above {name!r}"
    title_line = max(titles, key=lambda ln: ln.box[3])
    body = [ln for ln in lines if ln.box[3] <= body_ends]
    return IssuedStamps(signature, seal, title_line, name_line, body)


def check_decree30(stamps: IssuedStamps, *, tolerance: float = 1.0) -> None:
    """Decree 30/2020 Appendix I, checked on the rendered page: the signature between the
    title's line and the name's line, over the name's horizontal centre; the seal over the
    left third of the signature; neither over a line of the body."""
    sig, seal = stamps.signature, stamps.seal
    assert sig[1] >= stamps.title.box[3] - tolerance, (sig, stamps.title)
    assert sig[3] <= stamps.name.box[1] + tolerance, (sig, stamps.name)
    assert sig[0] < stamps.name.centre < sig[2], (sig, stamps.name)
    width = sig[2] - sig[0]
    covered = (seal[2] - sig[0]) / width
    assert seal[0] < sig[0] and 0.15 <= covered <= 0.5, (seal, sig, covered)
    assert seal[1] < (sig[1] + sig[3]) / 2 < seal[3], (seal, sig)  # same height
    for line in stamps.body:
        assert not intersects(sig, line.box), ("signature over body text", line)
        assert not intersects(seal, line.box), ("seal over body text", line)
