"""The glyphless font of the invisible text layer.

The approach of Tesseract's and OCRmyPDF's PDF renderers: a Type0 font with Identity-H
encoding whose descendant CIDFontType2 maps *every* CID to one empty glyph
(``CIDToGIDMap``), and whose ToUnicode CMap maps each CID to the Unicode code point equal
to it. Text is written as UTF-16BE code units, so any Basic Multilingual Plane character
(all of Vietnamese, in precomposed NFC form or with combining marks) is searchable and
copyable, while the font program stays a few hundred bytes. The font program is built
here with fontTools (deterministic), embedded as ``FontFile2``, so PDF/A's "every font
embedded" and "Unicode mapping for every glyph" rules (PDF/A-2u) hold.

Glyph metrics: 1000 units per em, every glyph advances 500 units (``DW 500`` in the PDF
matches the font program, as PDF/A requires); ascent 800, descent -200, so a font size
equal to the line height covers the line box.
"""

from __future__ import annotations

import io
import zlib
from functools import cache

import pikepdf
from pikepdf import Array, Dictionary, Name

FONT_NAME = "TramsGlyphLess"
ADVANCE = 500  # units of 1/1000 em
ASCENT = 800
DESCENT = -200


@cache
def font_program() -> bytes:
    """A TrueType font with ``.notdef`` and one empty glyph (GID 1), advance 500/1000 em."""
    # built once per process, on the first PDF written: fontTools' builder is imported then
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    glyph_order = [".notdef", "glyph1"]
    fb.setupGlyphOrder(glyph_order)
    fb.setupCharacterMap({})
    pen = TTGlyphPen(None)
    empty = pen.glyph()
    fb.setupGlyf({".notdef": empty, "glyph1": TTGlyphPen(None).glyph()})
    fb.setupHorizontalMetrics({".notdef": (ADVANCE, 0), "glyph1": (ADVANCE, 0)})
    fb.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    fb.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=ASCENT, sTypoDescender=DESCENT, usWinAscent=ASCENT,
                usWinDescent=-DESCENT)
    fb.setupPost()
    fb.setupHead(unitsPerEm=1000, created=0, modified=0)  # deterministic bytes
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def _to_unicode_cmap() -> bytes:
    """CID n -> U+n for the whole BMP except surrogates, as valid per-byte bfranges."""
    ranges = [f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256)
              if not 0xD8 <= hi <= 0xDF]
    blocks = []
    for i in range(0, len(ranges), 100):
        chunk = ranges[i:i + 100]
        blocks.append(f"{len(chunk)} beginbfrange\n" + "\n".join(chunk) + "\nendbfrange")
    text = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
    return text.encode("ascii")


def add_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """Add the glyphless Type0 font to ``pdf``; returns the indirect font dictionary."""
    program = font_program()
    font_file = pdf.make_stream(zlib.compress(program, 9))
    font_file.Filter = Name.FlateDecode
    font_file.Length1 = len(program)
    cid_to_gid = pdf.make_stream(zlib.compress(b"\x00\x01" * 65536, 9))
    cid_to_gid.Filter = Name.FlateDecode
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name("/" + FONT_NAME),
        Flags=5,  # fixed pitch + symbolic
        FontBBox=Array([0, DESCENT, ADVANCE, ASCENT]),
        ItalicAngle=0,
        Ascent=ASCENT,
        Descent=DESCENT,
        CapHeight=ASCENT,
        StemV=80,
        FontFile2=font_file,
    ))
    cid_font = pdf.make_indirect(Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name("/" + FONT_NAME),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"),
                                 Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=descriptor,
        DW=ADVANCE,
        CIDToGIDMap=cid_to_gid,
    ))
    to_unicode = pdf.make_stream(zlib.compress(_to_unicode_cmap(), 9))
    to_unicode.Filter = Name.FlateDecode
    return pdf.make_indirect(Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=Name("/" + FONT_NAME),
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([cid_font]),
        ToUnicode=to_unicode,
    ))


def encode_text(text: str) -> bytes:
    """UTF-16BE code units as 2-byte CIDs; characters outside the BMP become U+FFFD."""
    return "".join(ch if ord(ch) <= 0xFFFF else "\ufffd" for ch in text).encode("utf-16-be")
