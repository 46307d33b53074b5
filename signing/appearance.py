"""Visible signatures as Decree 30/2020 Appendix I prescribes (see shared domain.md).

* ``issued``: leader = blue handwritten-signature image in the blank space between the
  signer's title line and full-name line of the signer block on the last page, centred on
  the name (:mod:`trams.signing.signerblock`, :mod:`trams.signing.placement`); signed only
  when the name printed there is the key holder's. Agency = red seal image at its real
  size over the LEFT third of the leader's image, on the same page.
* ``copy``: agency only, top right of page 1, text: copy type, agency name, signing time.
* ``attachment``: agency only, top right of page 1, text: number and notation, signing time.
* ``dossier``: desk officer, top left of page 1, text: name and signing time; then the
  agency at the top right of page 1 (agency name and time).
  Text stamps never cover text: they move down and away from their corner to the nearest
  free place, or the document fails.

An explicit box (``--signature-box`` for one file, or the document's own metadata field
``signatureBox``) replaces the search for the leader's image, for the rare page TRAMS
cannot read; the result says so.

Stamp text: Liberation Serif (metric-compatible with Times New Roman, full Vietnamese),
10 pt, black. Times are ISO 8601 with +07:00, the signature's own signing time.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageFont
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import BaseStampStyle, StaticStampStyle, TextStampStyle
from trams.signing.pagetext import Box, PageText
from trams.signing.placement import (
    LeaderWidget,
    PageGeometry,
    fit_image,
    leader_box,
    require_upright,
    seal_placement,
    text_stamp_box,
)
from trams.signing.signerblock import find_signer_block, normalise, same_name

from trams import labels
from trams.clock import iso_vn
from trams.errors import ConfigError, InputError, Notice, SigningPolicyError
from trams.i18n import N_, _

if TYPE_CHECKING:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" noise

FONT_PATH = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
FONT_SIZE = 10
LEADING = 12
TEXT_MARGIN = 2  # points between a text stamp's box and its text
# which roles sign under each profile, as trams.toml writes them
PROFILE_ROLES_HINT = N_('profile "issued": the leader, then the agency; "dossier": the desk '
                        'officer, then the agency; "copy" and "attachment": the agency alone.')

__all__ = ["Appearance", "AppearanceOptions", "Box", "LeaderWidget", "PageGeometry", "plan",
           "stamp_style", "target_page", "text_params"]


@dataclass(frozen=True)
class AppearanceOptions:
    """What the profile needs to draw a signature; from config and command-line flags."""

    image: Path | None = None  # leader: blue signature PNG; agency: red seal PNG
    image_width_mm: float | None = None  # real width of the seal
    title: str | None = None  # the title printed in the signer block, e.g. "CHỦ TỊCH"
    display_name: str | None = None  # the holder's name as printed, when the CN differs
    signature_box: Box | None = None  # `trams sign --signature-box`: leader box, last page
    agency_name: str | None = None
    copy_type: str = "SAO Y"
    doc_number: str | None = None  # "Số: 12/QĐ-UBND" for attachments
    font: Path = FONT_PATH


@dataclass(frozen=True)
class Appearance:
    """Where and what: page index (0-based), rectangle in points, image or text; ``notes``
    for the result (a tight space, a moved stamp, an explicit box)."""

    page: int
    box: Box
    image: Path | None = None
    text: str | None = None
    font: Path = FONT_PATH
    notes: tuple[str, ...] = ()


def _text_size(text: str, font: Path) -> tuple[float, float]:
    face = _font(font)
    width = max((face.getlength(line) for line in text.splitlines()), default=0.0)
    return (math.ceil(width) + 2 * TEXT_MARGIN + 2,
            LEADING * len(text.splitlines()) + 2 * TEXT_MARGIN)


@cache
def _font(font: Path):
    if not font.is_file():
        raise ConfigError(_("the stamp font is missing"), path=font,
                          hint=_("Install fonts-liberation2 (apt-get install fonts-liberation2)."),
                          code="font_missing")
    return ImageFont.truetype(str(font), FONT_SIZE)


def require_config(profile: str, role: str, options: AppearanceOptions) -> None:
    """The settings a profile's appearance needs (ConfigError), checked once per batch
    before any document, and again by :func:`plan`."""
    if profile == "issued" and role == "leader" and options.image is None:
        raise ConfigError(_("no signature image is configured for the leader"),
                          hint=_("Set 'image' under [signing.leader] in trams.toml."),
                          code="signature_image_missing")
    if profile == "issued" and role == "agency" and (options.image is None
                                                     or options.image_width_mm is None):
        raise ConfigError(_("no seal image or seal width is configured for the agency"),
                          hint=_("Set 'image' and 'image_width_mm' under [signing.agency]."),
                          code="seal_image_missing")
    if profile == "attachment" and role == "agency" and not options.doc_number:
        raise ConfigError(_("the attachment profile needs the document's number and "
                            "notation"), hint=_("Give --doc-number, e.g. 12/QĐ-UBND."),
                            code="doc_number_missing")
    if options.image is not None and not Path(options.image).is_file():
        raise ConfigError(_("the signature image file does not exist"), path=options.image,
                          hint=_("Check 'image' under [signing.{role}] in trams.toml.",
                                 role=role), code="signature_image_missing")


def target_page(profile: str, role: str, *, page_count: int,
                leader_widget: LeaderWidget | None) -> int:
    """The page (0-based) a signature of ``profile`` and ``role`` goes on."""
    if profile == "issued":
        if role == "agency" and leader_widget is not None:
            return leader_widget.page
        return page_count - 1
    return 0


def needs_text(profile: str, role: str, options: AppearanceOptions,
               override: Box | None) -> bool:
    """Whether placing this signature reads the page's text."""
    if profile == "issued" and role == "leader":
        return options.signature_box is None and override is None
    return True


def _leader(options: AppearanceOptions, *, signer_name: str, signer_title: str | None,
            page: PageGeometry, text: PageText | None, path: Path | None) -> Appearance:
    assert options.image is not None
    holder = options.display_name or signer_name
    block = find_signer_block(text, page_box=page.crop) if text is not None else None
    if block is None:
        raise SigningPolicyError(
            _("no signer block (title, space for the signature, full name, beside "
              "'Nơi nhận:') was found on the last page, so it cannot be checked that the "
              "document is {holder}'s to sign; nothing was signed", holder=holder),
            path=path,
            hint=_("Check the last page and its text (pdftotext -layout); for a page TRAMS "
                   "cannot read, give the box in the document's metadata (signatureBox), "
                   "or sign the one file with --signature-box."), code="no_signer_block")
    if not same_name(block.printed_name, options.display_name, signer_name):
        raise SigningPolicyError(
            _("the signer block on the last page prints '{printed}', but the leader's key "
              "belongs to '{holder}'; nothing was signed", printed=block.printed_name,
              holder=holder), path=path,
            hint=_("Sign with {printed}'s key, or correct the document. If the certificate "
                   "spells the name differently, set display_name under [signing.leader].",
                   printed=block.printed_name), code="signer_name_mismatch")
    notes: list[str] = []
    if signer_title and normalise(block.title) != normalise(signer_title):
        notes.append(Notice(_("the signer block prints the title '{printed}', the certificate "
                              "of {holder} says '{expected}'", printed=block.title,
                              holder=holder, expected=signer_title), "signer_title_differs"))
    elif not signer_title and options.title \
            and normalise(block.title) != normalise(options.title):
        notes.append(Notice(_("the signer block prints the title '{printed}', trams.toml "
                              "gives {holder}'s title as '{expected}'", printed=block.title,
                              holder=holder, expected=options.title), "signer_title_differs"))
    placed = leader_box(block, text, page, options.image, path=path)
    return Appearance(page.index, placed.box, image=options.image,
                      notes=(*notes, *placed.notes))


def plan(profile: str, role: str, *, options: AppearanceOptions, signer_name: str,
         signer_title: str | None, page: PageGeometry, text: PageText | None,
         leader_widget: LeaderWidget | None, signing_time: datetime,
         override: Box | None = None, path: Path | None = None) -> Appearance:
    """Decide where the signature goes on ``page`` (see :func:`target_page`) and what it
    shows, per profile and role. ``text``: the page's text lines (see :func:`needs_text`);
    ``override``: the leader's box from the document's metadata."""
    when = iso_vn(signing_time)
    require_config(profile, role, options)
    require_upright(page, path)
    if profile == "issued" and role == "leader":
        assert options.image is not None
        explicit = options.signature_box or override
        if explicit is not None:
            source = ("--signature-box" if options.signature_box
                      else _("the document's metadata (signatureBox)"))
            crop = page.crop
            if not (crop[0] - 0.5 <= explicit[0] < explicit[2] <= crop[2] + 0.5
                    and crop[1] - 0.5 <= explicit[1] < explicit[3] <= crop[3] + 0.5):
                raise InputError(
                    _("the box {box} given by {source} lies outside the last page "
                      "({x0:g},{y0:g},{x1:g},{y1:g})", box=",".join(f"{v:g}" for v in explicit),
                      source=source, x0=crop[0], y0=crop[1], x1=crop[2], y1=crop[3]),
                    path=path, hint=_("Give x0,y0,x1,y1 in points from the bottom-left "
                                      "corner of the last page, inside it."),
                    code="box_outside_page")
            note = Notice(_("the signature image was placed in the box given by {source}; the "
                            "name printed on the page was not checked", source=source),
                          "signer_block_not_checked")
            return Appearance(page.index, fit_image(explicit, options.image),
                              image=options.image, notes=(note,))
        return _leader(options, signer_name=signer_name, signer_title=signer_title,
                       page=page, text=text, path=path)
    if profile == "issued" and role == "agency":
        assert options.image is not None and options.image_width_mm is not None
        if leader_widget is None:
            raise InputError(_("the leader's signature has no visible box to place the seal on"),
                             path=path, hint=_("Sign as leader with TRAMS first."),
                             code="leader_box_missing")
        placed = seal_placement(leader_widget.box, options.image, options.image_width_mm,
                                text, page, path=path)
        return Appearance(page.index, placed.box, image=options.image, notes=placed.notes)
    if role == "agency" and profile in ("copy", "attachment", "dossier"):
        agency = options.agency_name or signer_name
        if profile == "copy":
            body = f"{options.copy_type}\n{agency}\n{when}"
        elif profile == "attachment":
            body = f"{options.doc_number}\n{when}"
        else:
            body = f"{agency}\n{when}"
        avoid = (leader_widget.box,) if leader_widget and leader_widget.page == page.index \
            else ()
        placed = text_stamp_box(_text_size(body, options.font), page, text, right=True,
                                avoid=avoid, path=path)
        return Appearance(page.index, placed.box, text=body, font=options.font,
                          notes=placed.notes)
    if profile == "dossier" and role == "officer":
        body = f"{signer_name}\n{when}"
        placed = text_stamp_box(_text_size(body, options.font), page, text, right=False,
                                path=path)
        return Appearance(page.index, placed.box, text=body, font=options.font,
                          notes=placed.notes)
    raise ConfigError(_("the {profile} profile has no {role} signature",
                        profile=labels.profile(profile), role=labels.role(role)),
                      hint=_(PROFILE_ROLES_HINT), code="profile_role_unknown")


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
        text_box_style=TextBoxStyle(
            font=_font_factory(appearance.font), font_size=FONT_SIZE, leading=LEADING,
            text_color=(0, 0, 0),
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins.uniform(0))),
        border_width=0,
        background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(TEXT_MARGIN),
            inner_content_scaling=layout.InnerScaling.NO_SCALING),
    )


def text_params(appearance: Appearance) -> dict[str, str]:
    return {"body": appearance.text or ""}


@cache
def _font_factory(font: Path) -> GlyphAccumulatorFactory:
    # pyHanko's font embedding brings fontTools' subsetter (0.14 s of imports): loaded by
    # the first stamp with text, while a run's OCR workers are busy, not at start-up
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return GlyphAccumulatorFactory(str(font_1000_upem(font)))


@cache
def font_1000_upem(font: Path) -> Path:
    """``font`` rescaled to 1000 units per em, cached on disk.

    pyHanko 0.38 writes CID widths (/W) and TJ adjustments in the font's own units, which
    is only right for 1000-unit fonts; Liberation Serif has 2048, so its text would come
    out spaced at twice the width. Rescaling the font once with fontTools avoids it.
    """
    if not font.is_file():
        raise ConfigError(_("the stamp font is missing"), path=font,
                          hint=_("Install fonts-liberation2 (apt-get install fonts-liberation2)."),
                          code="font_missing")
    from fontTools.ttLib import TTFont  # see _font_factory

    tt = TTFont(str(font), lazy=False)
    if tt["head"].unitsPerEm == 1000:
        return font
    stat = font.stat()
    tag = hashlib.sha256(f"{font.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trams" / "fonts"
    target = cache / f"{font.stem}-{tag.hexdigest()[:12]}-1000upem.ttf"
    if target.is_file():
        return target
    # fontTools' rescaler brings its variable-font and feature libraries: 0.1 s of imports,
    # paid here, once per machine (the result is cached), not by every program start
    from fontTools.ttLib.scaleUpem import scale_upem

    scale_upem(tt, 1000)
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".ttf")
    os.close(fd)
    tt.save(tmp)
    os.replace(tmp, target)
    return target


@cache
def _pdf_image(path: Path) -> PdfImage:
    with Image.open(path) as img:
        img.load()
        return PdfImage(img.copy())
