"""The same Decree 30 decision written by other PDF producers than a word processor:
fpdf2 and reportlab (as generators in web applications do), and pikepdf with an unusual
page tree (attributes inherited from the /Pages node, an indirect MediaBox, a CropBox inside
the MediaBox). Text in Liberation Serif 13 pt, real text, not images.
"""

from __future__ import annotations

from pathlib import Path

from support.decree30 import ARTICLES, BASES, SignerBlock

SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
SERIF_BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"
SIZE = 13
LINE = SIZE * 1.2  # points


def _lines(block: SignerBlock) -> list[str | None]:
    """The signer column: authority, title, blank lines (None), name."""
    column: list[str | None] = [block.authority] if block.authority else []
    return [*column, block.title, *([None] * block.blank_lines), block.name]


def fpdf2_decision(path: Path, block: SignerBlock) -> Path:
    """An A4 decision made with fpdf2."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_margins(85, 57, 43)
    pdf.set_auto_page_break(True, 57)
    pdf.add_font("Serif", "", SERIF)
    pdf.add_font("Serif", "B", SERIF_BOLD)
    pdf.add_page()
    width = pdf.w - 85 - 43
    top = pdf.get_y()
    for i, text in enumerate(("ỦY BAN NHÂN DÂN", "XÃ TRÀ MY", "", "Số: 31/QĐ-UBND")):
        pdf.set_font("Serif", "B" if i == 1 else "", SIZE - 1)
        pdf.set_xy(70, top + i * LINE)
        pdf.cell(180, LINE, text, align="C")
    for i, text in enumerate(("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                              "", "Trà My, ngày 02 tháng 12 năm 2025")):
        pdf.set_font("Serif", "B" if i < 2 else "", SIZE - 1)
        pdf.set_xy(250, top + i * LINE)
        pdf.cell(290, LINE, text, align="C")
    pdf.set_y(top + 6 * LINE)
    pdf.set_font("Serif", "B", SIZE)
    for text in ("QUYẾT ĐỊNH", "Về việc ban hành Kế hoạch số hóa tài liệu lưu trữ năm 2025"):
        pdf.cell(width, LINE, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(LINE / 2)
    pdf.set_font("Serif", "", SIZE)
    for text in (*BASES, *ARTICLES):
        pdf.multi_cell(width, LINE, "      " + text, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.ln(LINE)
    footer = pdf.get_y()
    pdf.set_font("Serif", "B", SIZE - 1)
    pdf.set_xy(85, footer)
    pdf.cell(150, LINE, "Nơi nhận:")
    pdf.set_font("Serif", "", SIZE - 2)
    for i, text in enumerate(("- Như Điều 3;", "- Lưu: VT.")):
        pdf.set_xy(85, footer + (i + 1) * LINE)
        pdf.cell(150, LINE, text)
    pdf.set_font("Serif", "B", SIZE)
    for i, text in enumerate(_lines(block)):
        if text:
            pdf.set_xy(300, footer + i * LINE)
            pdf.cell(250, LINE, text, align="C")
    pdf.output(str(path))
    return path


def reportlab_decision(path: Path, block: SignerBlock) -> Path:
    """An A4 decision made with reportlab's canvas (points, origin at the bottom left)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Serif", SERIF))
    pdfmetrics.registerFont(TTFont("Serif-Bold", SERIF_BOLD))
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Quyết định (reportlab)")
    y = A4[1] - 70
    for i, (left, right) in enumerate((("ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
                                       ("XÃ TRÀ MY", "Độc lập - Tự do - Hạnh phúc"),
                                       ("Số: 32/QĐ-UBND", "Trà My, ngày 02 tháng 12 năm 2025"))):
        c.setFont("Serif-Bold" if i == 1 else "Serif", SIZE - 1)
        c.drawCentredString(160, y - i * LINE * 1.3, left)
        c.setFont("Serif-Bold" if i < 2 else "Serif", SIZE - 1)
        c.drawCentredString(395, y - i * LINE * 1.3, right)
    y -= 6 * LINE
    c.setFont("Serif-Bold", SIZE)
    for text in ("QUYẾT ĐỊNH", "Về việc ban hành Kế hoạch số hóa tài liệu lưu trữ năm 2025"):
        c.drawCentredString(311, y, text)
        y -= LINE
    y -= LINE / 2
    c.setFont("Serif", SIZE)
    width = 595 - 85 - 43
    for text in (*BASES, *ARTICLES):
        words, line, first = text.split(), [], True
        for word in [*words, None]:
            trial = " ".join([*line, word] if word else line)
            indent = 28 if first else 0
            if word is None or c.stringWidth(trial, "Serif", SIZE) > width - indent:
                c.drawString(85 + indent, y, " ".join(line))
                y -= LINE
                line, first = [word] if word else [], False
            else:
                line.append(word)
        y -= 3
    y -= LINE
    c.setFont("Serif-Bold", SIZE - 1)
    c.drawString(85, y, "Nơi nhận:")
    c.setFont("Serif", SIZE - 2)
    c.drawString(85, y - LINE, "- Như Điều 3;")
    c.drawString(85, y - 2 * LINE, "- Lưu: VT.")
    c.setFont("Serif-Bold", SIZE)
    for i, text in enumerate(_lines(block)):
        if text:
            c.drawCentredString(425, y - i * LINE, text)
    c.showPage()
    c.save()
    return path


def odd_page_tree(source: Path, path: Path) -> Path:
    """``source`` rewritten by pikepdf with its page attributes inherited from the /Pages
    node (MediaBox as an indirect object, Rotate 0) and a CropBox set 10 pt inside the
    MediaBox, all of which a reader must resolve through the page tree."""
    import pikepdf

    with pikepdf.open(source) as pdf:
        pages = pdf.Root.Pages
        media = [float(v) for v in pdf.pages[0].MediaBox]
        pages.MediaBox = pdf.make_indirect(pikepdf.Array(media))
        pages.Rotate = 0
        for page in pdf.pages:
            if "/MediaBox" in page.obj:
                del page.obj["/MediaBox"]
            page.obj.CropBox = pikepdf.Array([media[0] + 10, media[1] + 10, media[2] - 10,
                                              media[3] - 10])
        pdf.save(path)
    return path
