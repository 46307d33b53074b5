"""One-page PDF/A-2b-style test inputs with a real Vietnamese text layer.

Made with pikepdf (page, XMP metadata, sRGB output intent) and pyHanko's text stamps
(Liberation Serif embedded as a subset with a ToUnicode map, so pdftotext reads it back).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pikepdf
from PIL import ImageCms
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle
from pyhanko.stamp.text import TextStamp
from trams.signing.appearance import font_1000_upem

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
A4 = (595.28, 841.89)
LEADER_LINES = [
    (70, 780, "ỦY BAN NHÂN DÂN XÃ TRÀ MY"),
    (70, 700, "QUYẾT ĐỊNH về việc công nhận kết quả số hóa hồ sơ"),
    (70, 680, "Điều 1. Công nhận kết quả số hóa tài liệu lưu trữ của xã."),
    (360, 260, "TM. ỦY BAN NHÂN DÂN"),
    (390, 244, "CHỦ TỊCH"),
    (370, 140, "Nguyễn Văn Hùng"),
]


def _pdfa_base(pages: int = 1) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=A4)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    icc_stream = pikepdf.Stream(pdf, icc)
    icc_stream["/N"] = 3
    pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier="sRGB", DestOutputProfile=icc_stream)])
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = "Quyết định số hóa (test)"
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def make_pdf(path: Path, lines=LEADER_LINES, *, pages: int = 1) -> Path:
    """A PDF/A-2b-ish document whose LAST page carries ``lines`` (x, y, text) as text."""
    writer = IncrementalPdfFileWriter(BytesIO(_pdfa_base(pages)))
    style = TextStampStyle(stamp_text="%(t)s", border_width=0,
                           text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(font_1000_upem(Path(FONT)))),
                                                       font_size=12))
    for x, y, text in lines:
        stamp = TextStamp(writer, style, text_params={"t": text})
        stamp.apply(dest_page=pages - 1, x=x, y=y)
    buf = BytesIO()
    writer.write(buf)
    # Rewrite as one clean revision (pikepdf keeps the XMP and output intent).
    with pikepdf.open(BytesIO(buf.getvalue())) as pdf:
        pdf.save(path)
    return path
