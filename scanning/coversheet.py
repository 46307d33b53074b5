"""Cover sheets (separator sheets): print them, and recognize them in a scanned batch.

A sheet carries a QR code with the record code ("mã hồ sơ") and the document's fields
(type, number and notation, issue date, subject) as compact UTF-8 JSON::

    {"trams":"coversheet","v":1,"record":{"fileCode":...},"document":{...}}

and the same fields as readable Vietnamese text. Sheets are printed as a 300 dpi bilevel
image PDF (any printer, no font embedding questions). Decoding uses zxing-cpp.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import qrcode
import zxingcpp
from PIL import Image, ImageDraw, ImageFont
from pydantic import ValidationError

from trams.errors import DependencyError, InputError
from trams.fs import atomic_path, storage_error
from trams.i18n import _, translate_to
from trams.metadata import DocumentMetadata, RecordMetadata

MARKER = "coversheet"
VERSION = 1
SHEET_DPI = 300
A4_PX = (2480, 3508)
DOCUMENT_FIELDS = ("sequence", "typeName", "codeNumber", "codeNotation", "issuedDate",
                   "subject", "organName", "signatureBox")
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


@dataclass(frozen=True)
class CoverSheet:
    record: RecordMetadata
    document: DocumentMetadata

    def payload(self) -> str:
        doc = {k: v for k, v in self.document.to_dict().items() if k in DOCUMENT_FIELDS}
        data = {"trams": MARKER, "v": VERSION, "record": {"fileCode": self.record.fileCode},
                "document": doc}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def parse_payload(text: str, *, path: Path | None = None) -> CoverSheet | None:
    """The sheet a QR payload describes; None when the QR is not a TRAMS cover sheet."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("trams") != MARKER:
        return None
    try:
        if data.get("v") != VERSION:
            raise ValueError(f"version {data.get('v')}")
        return CoverSheet(record=RecordMetadata(**data["record"]),
                          document=DocumentMetadata(**data["document"]))
    except (ValidationError, ValueError, KeyError, TypeError) as exc:
        raise InputError(_("a cover sheet's QR code holds data TRAMS cannot use ({reason})",
                           reason=str(exc).splitlines()[0]), path=path,
                         hint=_("Print the cover sheet again with `trams coversheet`."),
                         code="coversheet_unreadable") from None


def find_coversheet(image: Image.Image, *, path: Path | None = None) -> CoverSheet | None:
    """Decode a TRAMS cover sheet QR code on a page image, if there is one."""
    gray = image if image.mode == "L" else image.convert("L")
    for result in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode):
        try:
            text = bytes(result.bytes).decode("utf-8")
        except UnicodeDecodeError:
            text = result.text
        sheet = parse_payload(text, path=path)
        if sheet is not None:
            return sheet
    return None


# A cover sheet's code is 3.3-3.7 inches wide; a document's own QR code (a verification
# code in a corner) is under an inch. A QR-like region at least this large, that does not
# decode, is taken for a damaged cover sheet.
SUSPECT_INCHES = 2.0
_TILE_INCHES = 0.25


def _components(mask: np.ndarray) -> list[tuple[int, int, int]]:
    """(cells, height, width) of the 8-connected components of a small boolean grid."""
    seen = np.zeros(mask.shape, dtype=bool)
    out = []
    height, width = mask.shape
    for i, j in zip(*np.nonzero(mask), strict=True):
        if seen[i, j]:
            continue
        seen[i, j] = True
        stack, cells = [(i, j)], []
        while stack:
            y, x = stack.pop()
            cells.append((y, x))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < height and 0 <= xx < width and mask[yy, xx] \
                            and not seen[yy, xx]:
                        seen[yy, xx] = True
                        stack.append((yy, xx))
        ys = [c[0] for c in cells]
        xs = [c[1] for c in cells]
        out.append((len(cells), max(ys) - min(ys) + 1, max(xs) - min(xs) + 1))
    return out


def looks_like_coversheet(image: Image.Image, dpi: float) -> bool:
    """A large QR-like region: a square patch, at least :data:`SUSPECT_INCHES` a side,
    of quarter-inch tiles about half dark with dense black/white changes both across and
    down (a QR code's modules). Text is too light (10-25 % dark) and photos too smooth."""
    gray = image if image.mode == "L" else image.convert("L")
    factor = max(1, round(dpi / 150))
    if factor > 1:
        gray = gray.reduce(factor)
    pixels = np.asarray(gray, dtype=np.int16)
    paper = float(np.median(pixels))
    ink = pixels < paper - max(40.0, (paper - float(np.percentile(pixels, 1))) / 2)
    tile = max(8, round(_TILE_INCHES * dpi / factor))
    rows, cols = ink.shape[0] // tile, ink.shape[1] // tile
    if rows < 2 or cols < 2:
        return False
    tiles = ink[:rows * tile, :cols * tile].reshape(rows, tile, cols, tile).astype(np.int8)
    dark = tiles.mean(axis=(1, 3))
    across = np.abs(np.diff(tiles, axis=3)).mean(axis=(1, 3))
    down = np.abs(np.diff(tiles, axis=1)).mean(axis=(1, 3))
    qr = (dark >= 0.3) & (dark <= 0.7) & (across >= 0.02) & (down >= 0.02)
    side = SUSPECT_INCHES / _TILE_INCHES
    return any(h >= side and w >= side and cells >= 0.5 * h * w and max(h, w) <= 1.6 * min(h, w)
               for cells, h, w in _components(qr))


def _font(size: int) -> ImageFont.FreeTypeFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    raise DependencyError(_("no Unicode font for the cover sheet text was found"),
                          hint=_("Install it with: sudo apt install fonts-dejavu-core"),
                          code="font_missing")


def render_coversheet(sheet: CoverSheet) -> Image.Image:
    """The sheet as a 300 dpi A4 bilevel image, always in Vietnamese (paper for Vietnamese
    archives, whatever the language of the messages)."""
    page = Image.new("L", A4_PX, 255)
    draw = ImageDraw.Draw(page)
    title, body, small = _font(80), _font(50), _font(38)
    margin = 236
    heading = translate_to("vi", "DOCUMENT SEPARATOR SHEET")
    draw.text((A4_PX[0] // 2, margin), heading, font=title, fill=0, anchor="ma")
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
    qr.add_data(sheet.payload().encode("utf-8"))
    qr.make(fit=True)
    modules = qr.modules_count + 8
    box = max(6, min(24, 1100 // modules))  # 8+ dots a module keeps 200 dpi scans readable
    qr_img = qr.make_image(fill_color="black", back_color="white").get_image()
    qr_img = qr_img.convert("L").resize((modules * box, modules * box), Image.Resampling.NEAREST)
    top = margin + 160
    page.paste(qr_img, ((A4_PX[0] - qr_img.width) // 2, top))
    y = top + qr_img.height + 80
    doc = sheet.document
    rows = [
        (translate_to("vi", "Record code"), sheet.record.fileCode),
        (translate_to("vi", "Sequence in the record"), str(doc.sequence)),
        (translate_to("vi", "Document type"), doc.typeName or "-"),
        (translate_to("vi", "Number and notation"),
         "/".join(v for v in (doc.codeNumber, doc.codeNotation) if v) or "-"),
        (translate_to("vi", "Issue date"),
         doc.issuedDate.strftime("%d/%m/%Y") if doc.issuedDate else "-"),
        (translate_to("vi", "Issuing body"), doc.organName or "-"),
        (translate_to("vi", "Subject"), doc.subject or "-"),
    ]
    for label, value in rows:
        draw.text((margin, y), label + ":", font=body, fill=0)
        lines = textwrap.wrap(value, width=48) or ["-"]
        for line in lines[:6]:
            draw.text((margin + 720, y), line, font=body, fill=0)
            y += 70
        y += 20
    footer = translate_to("vi", "Put this sheet on top of the document when scanning. "
                                "TRAMS removes it.")
    draw.text((A4_PX[0] // 2, A4_PX[1] - margin - 60), footer, font=small, fill=0, anchor="ma")
    return page.point(lambda v: 255 if v >= 128 else 0).convert("1")


def write_coversheets(sheets: list[CoverSheet], dest: Path) -> Path:
    """Write one PDF page per sheet to ``dest``."""
    if not sheets:
        raise ValueError("no cover sheet to write")
    images = [render_coversheet(s) for s in sheets]
    try:
        with atomic_path(dest) as tmp:
            images[0].save(tmp, format="PDF", resolution=SHEET_DPI, save_all=True,
                           append_images=images[1:])
    except OSError as exc:
        raise storage_error(exc, dest) from None
    return dest
