"""A JBIG2 page, as office scanners put into PDFs, made without jbig2enc (not in Debian).

The stream is the PDF-embedded JBIG2 organisation (ITU T.88 annex D.3: segments without
the file header, and no end-of-page segment, which PDF leaves out): a page information
segment and one immediate lossless generic region coded with MMR (T.88 6.2.6: the bitmap
as a T.6 "Group 4" code, black = 1). The T.6 code comes from libtiff through Pillow.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pikepdf
from PIL import Image, ImageOps, TiffImagePlugin


def _t6(bitmap: Image.Image) -> bytes:
    """T.6 code of a 1-bit image, black pixels coded as black runs."""
    # libtiff codes 0 bits as white; Pillow's "1" stores black as 0: invert first.
    inverted = ImageOps.invert(bitmap.convert("L")).convert("1")
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[278] = inverted.height  # one strip: its bytes are the whole code
    buf = io.BytesIO()
    inverted.save(buf, format="TIFF", compression="group4", tiffinfo=info)
    with Image.open(io.BytesIO(buf.getvalue())) as tif:
        offset, count = tif.tag_v2[273][0], tif.tag_v2[279][0]
    return buf.getvalue()[offset:offset + count]


def _segment(number: int, kind: int, data: bytes) -> bytes:
    # number, flags (type, 1-byte page association), no referred-to segments, page 1,
    # data length
    return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data


def jbig2_stream(bitmap: Image.Image, dpi: int) -> bytes:
    width, height = bitmap.size
    ppm = round(dpi / 0.0254)
    page_info = struct.pack(">IIIIBH", width, height, ppm, ppm, 0b0000_0001, 0)
    region = struct.pack(">IIIIB", width, height, 0, 0, 0) + b"\x01"  # MMR
    return _segment(0, 48, page_info) + _segment(1, 38, region + _t6(bitmap))


def jbig2_pdf(path: Path, bitmap: Image.Image, dpi: int = 300) -> Path:
    """A one-page PDF whose page is ``bitmap`` (mode "1") as a JBIG2 image at ``dpi``."""
    pdf = pikepdf.new()
    width, height = bitmap.size
    w_pt, h_pt = width * 72 / dpi, height * 72 / dpi
    page = pdf.add_blank_page(page_size=(w_pt, h_pt))
    image = pikepdf.Stream(pdf, jbig2_stream(bitmap.convert("1"), dpi))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = width, height
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 1
    image.Filter = pikepdf.Name.JBIG2Decode
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q"
                                        .encode("ascii"))
    pdf.save(path)
    return path
