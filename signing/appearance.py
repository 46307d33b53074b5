"""Visible signatures as Decree 30/2020 Appendix I prescribes (see shared domain.md).

* ``issued``: leader = blue handwritten-signature image centred between the title line and
  the full-name line; agency = red seal image at its real size over the LEFT third of the
  leader's image.
* ``copy``: agency only, top right of page 1, text: copy type, agency name, signing time.
* ``attachment``: agency only, top right of page 1, text: number and notation, signing time.
* ``dossier``: desk officer, top left of page 1, text: name and signing time; then the
  agency at the top right of page 1 (agency name and time).

Stamp text: Liberation Serif (metric-compatible with Times New Roman, full Vietnamese),
10 pt, black. Times are ISO 8601 with +07:00, the signature's own signing time.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import BaseStampStyle, StaticStampStyle, TextStampStyle

from trams.clock import iso_vn
from trams.errors import ConfigError, InputError
from trams.i18n import _

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" noise

FONT_PATH = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
FONT_SIZE = 10
LEADING = 12
MARGIN_PT = 28.35  # 10 mm from the page edges for the text stamps
PT_PER_MM = 72 / 25.4
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class AppearanceOptions:
    """What the profile needs to draw a signature; from config and command-line flags."""

    image: Path | None = None  # leader: blue signature PNG; agency: red seal PNG
    image_width_mm: float | None = None  # real width of the seal
    title: str | None = None  # signer's title line, e.g. "CHỦ TỊCH"
    signature_box: Box | None = None  # leader box on the last page, points
    agency_name: str | None = None
    copy_type: str = "SAO Y"
    doc_number: str | None = None  # "Số: 12/QĐ-UBND" for attachments
    font: Path = FONT_PATH


@dataclass(frozen=True)
class Appearance:
    """Where and what: page index (0-based), rectangle in points, image or text."""

    page: int
    box: Box
    image: Path | None = None
    text: str | None = None
    font: Path = FONT_PATH


@dataclass(frozen=True)
class PageGeometry:
    index: int
    width: float
    height: float


@dataclass(frozen=True)
class LeaderWidget:
    """The already-present leader (or officer) signature widget the seal is placed over."""

    page: int
    box: Box


@cache
def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as img:
        return img.size


def _text_width(text: str, font: Path) -> float:

    face = _font(font)
    return max((face.getlength(line) for line in text.splitlines()), default=0.0)


@cache
def _font(font: Path):
    from PIL import ImageFont

    if not font.is_file():
        raise ConfigError(_("the stamp font is missing"), path=font,
                          hint=_("Install fonts-liberation2 (apt-get install fonts-liberation2)."))
    return ImageFont.truetype(str(font), FONT_SIZE)


def _text_box_top(page: PageGeometry, text: str, font: Path, *, right: bool) -> Box:
    # pyHanko's text box adds 10 pt of padding on each side; the layout adds 4 pt margins
    width = _text_width(text, font) + 20 + 8 + 2
    height = LEADING * len(text.splitlines()) + 20 + 8
    top = page.height - MARGIN_PT
    if right:
        x1 = page.width - MARGIN_PT
        return (x1 - width, top - height, x1, top)
    return (MARGIN_PT, top - height, MARGIN_PT + width, top)


def fit_image(box: Box, image: Path) -> Box:
    """The largest rectangle of the image's aspect ratio centred in ``box``."""
    w, h = _image_size(image)
    bw, bh = box[2] - box[0], box[3] - box[1]
    scale = min(bw / w, bh / h)
    iw, ih = w * scale, h * scale
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return (cx - iw / 2, cy - ih / 2, cx + iw / 2, cy + ih / 2)


def seal_box(leader: Box, image: Path, width_mm: float) -> Box:
    """The seal at its real size, its right edge one third into the leader's image."""
    w, h = _image_size(image)
    sw = width_mm * PT_PER_MM
    sh = sw * h / w
    right = leader[0] + (leader[2] - leader[0]) / 3
    cy = (leader[1] + leader[3]) / 2
    return (right - sw, cy - sh / 2, right, cy + sh / 2)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def find_leader_box(pdf: Path, page: PageGeometry, *, name: str, title: str | None) -> Box:
    """The box between the title line and the name line, from the PDF's text layer.

    Searches the last page bottom-up for the signer's full name; the title is the nearest
    line above it containing ``title`` (or, without a title, a box 20 mm high is used).
    """
    from trams.signing.textlayer import page_lines

    text = page_lines(pdf, page.index + 1)
    scale_y = page.height / text.height if text.height else 1.0
    scale_x = page.width / text.width if text.width else 1.0
    want = _norm(name)
    names = [ln for ln in text.lines if want and want in _norm(ln.text)]
    if not names:
        raise InputError(
            _("cannot find the signer's name '{name}' on the last page to place the signature",
              name=name),
            path=pdf,
            hint=_("Set signing.signature_box in trams.toml, or check the OCR text layer."))
    name_line = max(names, key=lambda ln: ln.top)  # the lowest occurrence
    title_line = None
    if title:
        want_title = _norm(title)
        above = [ln for ln in text.lines if ln.bottom <= name_line.top + 1
                 and want_title in _norm(ln.text)]
        if above:
            title_line = max(above, key=lambda ln: ln.bottom)
    gap_top = title_line.bottom if title_line else name_line.top - 20 * PT_PER_MM
    gap_bottom = name_line.top
    if gap_bottom - gap_top < 20:
        raise InputError(_("no room for the signature between the title and the name"),
                         path=pdf, hint=_("Set signing.signature_box in trams.toml."))
    cx = (name_line.x0 + name_line.x1) / 2
    half = max(name_line.x1 - name_line.x0, 45 * PT_PER_MM) / 2
    return (
        (cx - half) * scale_x, page.height - gap_bottom * scale_y + 2,
        (cx + half) * scale_x, page.height - gap_top * scale_y - 2,
    )


def require_config(profile: str, role: str, options: AppearanceOptions) -> None:
    """The settings a profile's appearance needs (ConfigError), checked once per batch
    before any document, and again by :func:`plan`."""
    if profile == "issued" and role == "leader" and options.image is None:
        raise ConfigError(_("no signature image is configured for the leader"),
                          hint=_("Set 'image' under [signing.leader] in trams.toml."))
    if profile == "issued" and role == "agency" and (options.image is None
                                                     or options.image_width_mm is None):
        raise ConfigError(_("no seal image or seal width is configured for the agency"),
                          hint=_("Set 'image' and 'image_width_mm' under [signing.agency]."))
    if profile == "attachment" and role == "agency" and not options.doc_number:
        raise ConfigError(_("the attachment profile needs the document's number and "
                            "notation"), hint=_("Give --doc-number, e.g. 12/QĐ-UBND."))
    if options.image is not None and not Path(options.image).is_file():
        raise ConfigError(_("the signature image file does not exist"), path=options.image,
                          hint=_("Check 'image' under [signing.{role}] in trams.toml.",
                                 role=role))


def plan(profile: str, role: str, *, options: AppearanceOptions, signer_name: str,
         signer_title: str | None, first_page: PageGeometry, last_page: PageGeometry,
         pdf_path: Path | None, leader_widget: LeaderWidget | None,
         signing_time: datetime) -> Appearance:
    """Decide where the signature goes and what it shows, per profile and role."""
    when = iso_vn(signing_time)
    require_config(profile, role, options)
    if profile == "issued" and role == "leader":
        box = options.signature_box
        if box is None:
            if pdf_path is None:
                raise InputError(_("the leader's signature box is not configured"),
                                 hint=_("Set signing.signature_box in trams.toml."))
            box = find_leader_box(pdf_path, last_page, name=signer_name,
                                  title=options.title or signer_title)
        assert options.image is not None
        return Appearance(last_page.index, fit_image(box, options.image), image=options.image)
    if profile == "issued" and role == "agency":
        assert options.image is not None and options.image_width_mm is not None
        if leader_widget is None:
            raise InputError(_("the leader's signature has no visible box to place the seal on"),
                             hint=_("Sign as leader with TRAMS first."))
        return Appearance(leader_widget.page,
                          seal_box(leader_widget.box, options.image, options.image_width_mm),
                          image=options.image)
    if role == "agency" and profile in ("copy", "attachment", "dossier"):
        agency = options.agency_name or signer_name
        if profile == "copy":
            text = f"{options.copy_type}\n{agency}\n{when}"
        elif profile == "attachment":
            text = f"{options.doc_number}\n{when}"
        else:
            text = f"{agency}\n{when}"
        return Appearance(first_page.index, _text_box_top(first_page, text, options.font,
                                                          right=True), text=text,
                          font=options.font)
    if profile == "dossier" and role == "officer":
        text = f"{signer_name}\n{when}"
        return Appearance(first_page.index, _text_box_top(first_page, text, options.font,
                                                          right=False), text=text,
                          font=options.font)
    raise ConfigError(_("the {profile} profile has no {role} signature", profile=profile,
                        role=role),
                      hint=_("issued: leader then agency; dossier: officer then agency; "
                             "copy and attachment: agency only."))


def stamp_style(appearance: Appearance) -> BaseStampStyle:
    """The pyHanko stamp style drawing ``appearance`` (no border, no background tint)."""
    if appearance.image is not None:
        return StaticStampStyle(
            background=_pdf_image(appearance.image), background_opacity=1.0, border_width=0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        )
    return TextStampStyle(
        stamp_text="%(body)s",
        text_box_style=TextBoxStyle(font=_font_factory(appearance.font), font_size=FONT_SIZE,
                                    leading=LEADING, text_color=(0, 0, 0)),
        border_width=0,
        background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(4),
            inner_content_scaling=layout.InnerScaling.NO_SCALING),
    )


def text_params(appearance: Appearance) -> dict[str, str]:
    return {"body": appearance.text or ""}


@cache
def _font_factory(font: Path) -> GlyphAccumulatorFactory:
    return GlyphAccumulatorFactory(str(font_1000_upem(font)))


@cache
def font_1000_upem(font: Path) -> Path:
    """``font`` rescaled to 1000 units per em, cached on disk.

    pyHanko 0.38 writes CID widths (/W) and TJ adjustments in the font's own units, which
    is only right for 1000-unit fonts; Liberation Serif has 2048, so its text would come
    out spaced at twice the width. Rescaling the font once with fontTools avoids it.
    """
    import hashlib
    import os
    import tempfile

    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    if not font.is_file():
        raise ConfigError(_("the stamp font is missing"), path=font,
                          hint=_("Install fonts-liberation2 (apt-get install fonts-liberation2)."))
    tt = TTFont(str(font), lazy=False)
    if tt["head"].unitsPerEm == 1000:
        return font
    stat = font.stat()
    tag = hashlib.sha256(f"{font.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trams" / "fonts"
    target = cache / f"{font.stem}-{tag.hexdigest()[:12]}-1000upem.ttf"
    if target.is_file():
        return target
    scale_upem(tt, 1000)
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".ttf")
    os.close(fd)
    tt.save(tmp)
    os.replace(tmp, target)
    return target


@cache
def _pdf_image(path: Path) -> PdfImage:
    from PIL import Image

    with Image.open(path) as img:
        img.load()
        return PdfImage(img.copy())
