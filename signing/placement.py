"""Where each visible signature goes on the page (Decree 30/2020, Appendix I).

* The leader's signature image: in the blank space between the signer's title line and
  full-name line (:mod:`trams.signing.signerblock`), centred on the name, as large as the
  space allows up to :data:`MAX_SIGNATURE_MM`, and never over the recipients' column
  beside it.
* The agency's seal: at its real size, its right edge one third of the way into the
  leader's image, so that it covers the image's left third; on the same page; moved up or
  down within the image's height if it would otherwise cover the body text above the block.
* The text stamps of copies, attachments and dossiers: at their corner of the first page,
  or at the nearest free place down and away from it (:mod:`trams.signing.freespace`).

The floor for a tight space, from documents as offices make them (Word and LibreOffice
exports at 13-14 pt, and their scans): two blank lines between the title and the name leave
28-30 pt (about 10 mm) between the two lines' boxes, one blank line 13-14 pt (about 5 mm).
A signature image under :data:`FLOOR_SIGNATURE_MM` high (the handwriting itself then about
4.5 mm) is not legible, so two blank lines are signed (the result says the space was tight)
and one line fails for review.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.numbers import format_decimal
from PIL import Image
from trams.signing.freespace import nearest_free, overlaps
from trams.signing.pagetext import Box, PageText, TextLine
from trams.signing.signerblock import SignerBlock, find_signer_block

from trams.errors import InputError, Notice, SigningPolicyError
from trams.i18n import _, get_language

PT_PER_MM = 72 / 25.4
MAX_SIGNATURE_MM = 25.0  # the tallest signature image drawn (about a handwritten one)
TIGHT_SIGNATURE_MM = 12.0  # an image under this height is reported as a tight space
FLOOR_SIGNATURE_MM = 7.5  # under this the document fails for review
GAP_PAD_PT = 1.0  # kept clear above and below the image inside the blank space
EDGE_MM = 5.0  # nothing is placed closer than this to the edge of the visible page
TEXT_STAMP_TOP_MM = 5.0  # the text stamps' corner: in the top margin (Decree 30: >= 20 mm)
TEXT_STAMP_SIDE_MM = 10.0


@dataclass(frozen=True)
class PageGeometry:
    """A page's boxes in user space: MediaBox, CropBox (the visible page), /Rotate."""

    index: int
    media: Box
    crop: Box
    rotate: int = 0

    @property
    def width(self) -> float:
        return self.crop[2] - self.crop[0]

    @property
    def height(self) -> float:
        return self.crop[3] - self.crop[1]


@dataclass(frozen=True)
class LeaderWidget:
    """The already-present leader (or officer) signature widget the seal is placed over."""

    page: int
    box: Box


@dataclass(frozen=True)
class Placed:
    box: Box
    notes: tuple[str, ...] = ()


def decimal(value: float) -> str:
    """One decimal, as the user's language writes it (6.9 in English, 6,9 in Vietnamese)."""
    return format_decimal(round(value, 1), format="0.0", locale=get_language())


def mm(points: float) -> str:
    return decimal(points / PT_PER_MM)


@cache
def image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as img:
        return img.size


def fit_image(box: Box, image: Path) -> Box:
    """The largest rectangle of the image's aspect ratio centred in ``box``."""
    w, h = image_size(image)
    bw, bh = box[2] - box[0], box[3] - box[1]
    scale = min(bw / w, bh / h)
    iw, ih = w * scale, h * scale
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return (cx - iw / 2, cy - ih / 2, cx + iw / 2, cy + ih / 2)


def require_upright(page: PageGeometry, path: Path | None) -> None:
    if page.rotate:
        raise InputError(
            _("page {n} is turned by {angle}° (/Rotate): TRAMS does not draw signatures on "
              "turned pages", n=page.index + 1, angle=page.rotate), path=path,
            hint=_("Re-export or re-scan the document with upright pages."), code="page_rotated")


def leader_box(block: SignerBlock, text: PageText, page: PageGeometry, image: Path, *,
               path: Path | None = None) -> Placed:
    """The signature image in the space between the title and the name, centred on the
    name; SigningPolicyError when the space is under the floor."""
    bottom, top = block.gap
    iw, ih = image_size(image)
    aspect = iw / ih
    height = min(top - bottom - 2 * GAP_PAD_PT, MAX_SIGNATURE_MM * PT_PER_MM)
    cx = block.name.centre
    own = {id(line) for line in block.lines}
    beside = [ln for ln in text.lines if id(ln) not in own and ln.y1 > bottom and ln.y0 < top]
    left = max([page.crop[0] + EDGE_MM * PT_PER_MM]
               + [ln.x1 + 2 for ln in beside if ln.centre < cx])
    right = min([page.crop[2] - EDGE_MM * PT_PER_MM]
                + [ln.x0 - 2 for ln in beside if ln.centre >= cx])
    width = max(0.0, min(height * aspect, 2 * min(cx - left, right - cx)))
    height = width / aspect
    if height < FLOOR_SIGNATURE_MM * PT_PER_MM:
        raise SigningPolicyError(
            _("the space for the signature between the title '{title}' and the name "
              "'{name}' is {space} mm: the signature image would be {height} mm high, under "
              "the {floor} mm floor; nothing was signed", title=block.title,
              name=block.printed_name, space=mm(top - bottom), height=mm(height),
              floor=decimal(FLOOR_SIGNATURE_MM)), path=path,
            hint=_("Leave at least two blank lines between the title and the name and issue "
                   "the document again, or give the box in the document's metadata "
                   "(signatureBox)."), code="signature_space_too_small")
    cy = (bottom + top) / 2
    box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
    notes = ()
    if height < TIGHT_SIGNATURE_MM * PT_PER_MM:
        notes = (Notice(_("tight space for the signature on page {n}: {space} mm between the "
                          "title and the name; the signature image was drawn {height} mm "
                          "high (normal {normal}-{largest} mm, floor {floor} mm)",
                          n=page.index + 1, space=mm(top - bottom), height=mm(height),
                          normal=decimal(TIGHT_SIGNATURE_MM),
                          largest=decimal(MAX_SIGNATURE_MM),
                          floor=decimal(FLOOR_SIGNATURE_MM)), "signature_space_tight"),)
    return Placed(box, notes)


def seal_box(leader: Box, image: Path, width_mm: float) -> Box:
    """The seal at its real size, its right edge one third into the leader's image."""
    w, h = image_size(image)
    sw = width_mm * PT_PER_MM
    sh = sw * h / w
    right = leader[0] + (leader[2] - leader[0]) / 3
    cy = (leader[1] + leader[3]) / 2
    return (right - sw, cy - sh / 2, right, cy + sh / 2)


def _shifts(limit: float) -> list[float]:
    steps = int(limit)
    return [0.0, *(float(s) * sign for s in range(1, steps + 1) for sign in (-1, 1))]


def seal_placement(leader: Box, image: Path, width_mm: float, text: PageText | None,
                   page: PageGeometry, *, path: Path | None = None) -> Placed:
    """The seal over the left third of the leader's image (:func:`seal_box`), moved up or
    down by at most half the image's height where it would cover the body text above the
    signer block (or, failing that, the recipients' column beside it)."""
    box = seal_box(leader, image, width_mm)
    block = find_signer_block(text, page_box=page.crop) if text is not None else None
    if block is None:  # the leader was placed by an explicit box: nothing to keep clear of
        return Placed(box)
    own = {id(line) for line in block.lines}
    others = [ln for ln in text.lines if id(ln) not in own]
    body = [ln.box for ln in others if ln.y0 >= block.top - 1]
    beside = [ln.box for ln in others if ln.y0 < block.top - 1]
    shifts = _shifts((leader[3] - leader[1]) / 2)
    for obstacles in (body + beside, body):
        for dy in shifts:
            moved = (box[0], box[1] + dy, box[2], box[3] + dy)
            if not any(overlaps(moved, o) for o in obstacles):
                return Placed(moved)
    raise SigningPolicyError(
        _("the agency's seal at its real size ({size} mm) would cover the text above the "
          "signer block on page {n}; nothing was signed", size=decimal(width_mm),
          n=page.index + 1), path=path,
        hint=_("Leave more space between the body and the signer block, or give the box in "
               "the document's metadata (signatureBox)."), code="seal_covers_text")


def text_stamp_box(size: tuple[float, float], page: PageGeometry, text: PageText | None, *,
                   right: bool, avoid: tuple[Box, ...] = (), path: Path | None = None
                   ) -> Placed:
    """A text stamp of ``size`` at the top right (or top left) corner of ``page``, or the
    nearest free place below it and away from the corner; SigningPolicyError if none."""
    w, h = size
    top = page.crop[3] - TEXT_STAMP_TOP_MM * PT_PER_MM
    side = TEXT_STAMP_SIDE_MM * PT_PER_MM
    x0 = page.crop[2] - side - w if right else page.crop[0] + side
    start = (x0, top - h, x0 + w, top)
    lines: tuple[TextLine, ...] = text.lines if text is not None else ()
    edge = EDGE_MM * PT_PER_MM
    bounds = (page.crop[0] + edge, page.crop[1] + edge, page.crop[2] - edge,
              page.crop[3] - edge)
    box = nearest_free(start, [ln.box for ln in lines] + list(avoid), bounds=bounds,
                       toward=-1 if right else 1)
    if box is None:
        raise SigningPolicyError(
            _("there is no free place on page {n} for the signature's text ({w} x {h} mm) "
              "that covers no text; nothing was signed", n=page.index + 1, w=mm(w), h=mm(h)),
            path=path, hint=_("Check the page: text up to its edges, or a wrong text layer "
                              "(see it with pdftotext -layout)."), code="no_free_space")
    notes = []
    if not lines:
        notes.append(Notice(_("page {n} has no text layer: the signature's text was placed at "
                              "its corner without checking what it covers", n=page.index + 1),
                            "stamp_text_unchecked"))
    elif box != start:
        moves = []
        if start[1] - box[1] >= 0.05 * PT_PER_MM:
            moves.append(_("{mm} mm down", mm=mm(start[1] - box[1])))
        if abs(start[0] - box[0]) >= 0.05 * PT_PER_MM:
            moves.append(_("{mm} mm left", mm=mm(start[0] - box[0])) if right
                         else _("{mm} mm right", mm=mm(box[0] - start[0])))
        corner = _("the top right corner") if right else _("the top left corner")
        notes.append(Notice(_("the signature's text was moved {moves} from {corner} of page "
                              "{n}, so as not to cover text",
                              moves=_(" and ").join(moves) or "0 mm", corner=corner,
                              n=page.index + 1), "stamp_text_moved"))
    return Placed(box, tuple(notes))
