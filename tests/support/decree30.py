"""Documents the way offices make them: a Decree 30/2020 layout written as a Word file and
exported to PDF by a real word processor (LibreOffice headless), as the bulk of issued
documents are ("văn bản đi" drafted in Word, then "Save as PDF").

Layout (Decree 30/2020/ND-CP, Appendix I): A4, margins top 20 mm, bottom 20 mm, left 30 mm,
right 15 mm; a borderless two-column header table (the organ and the number on the left,
the national motto and the place and date on the right); the document kind and subject
centred in bold; the issuing authority; the legal bases in italics; "QUYẾT ĐỊNH:"; the
articles, justified with a first-line indent; then a borderless two-column footer table:
"Nơi nhận:" and the recipients on the left, the signer block on the right (authority line
TM./KT./..., title line, blank lines for the signature, full name), all in Times New Roman
13-14 pt (LibreOffice substitutes the metric-compatible Liberation Serif).

:func:`build_pdfs` writes the ``.docx`` files with python-docx and converts them all in one
``soffice --headless --convert-to pdf`` call (a private LibreOffice profile per call, so
test processes running at once do not share one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SOFFICE_TIMEOUT = 240

BASES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác "
    "văn thư;",
    "Theo đề nghị của Công chức Văn phòng - Thống kê tại Tờ trình số 58/TTr-VP ngày 20 "
    "tháng 11 năm 2025.",
)
ARTICLES = (
    "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch số hóa tài liệu lưu trữ của Ủy ban "
    "nhân dân xã năm 2025. Tài liệu được số hóa phải bảo đảm đầy đủ, chính xác so với bản "
    "gốc; tệp điện tử được ký số, gắn siêu dữ liệu và lưu trữ an toàn.",
    "Điều 2. Giao Công chức Văn phòng - Thống kê chủ trì, phối hợp với các bộ phận liên "
    "quan tổ chức thực hiện Kế hoạch; định kỳ báo cáo kết quả về Ủy ban nhân dân xã trước "
    "ngày 20 hằng tháng.",
    "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Công chức Văn phòng - Thống kê, các "
    "bộ phận và cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này./.",
)


@dataclass(frozen=True)
class SignerBlock:
    """The right-hand column of the footer: [authority] title, blank lines, name."""

    title: str  # "CHỦ TỊCH", "PHÓ CHỦ TỊCH"
    name: str
    authority: str | None = None  # "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"
    blank_lines: int = 4  # the space left for the signature


@dataclass(frozen=True)
class Decree30Doc:
    stem: str
    signer: SignerBlock | None
    organ: tuple[str, str] = ("ỦY BAN NHÂN DÂN", "XÃ TRÀ MY")
    number: str = "Số: 125/QĐ-UBND"
    place_date: str = "Trà My, ngày 25 tháng 11 năm 2025"
    kind: str = "QUYẾT ĐỊNH"
    subject: str = "Về việc ban hành Kế hoạch số hóa tài liệu lưu trữ năm 2025"
    issuer: str | None = "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ TRÀ MY"
    bases: tuple[str, ...] = BASES
    articles: tuple[str, ...] = ARTICLES
    recipients: tuple[str, ...] = ("- Như Điều 3;", "- UBND huyện (b/c);", "- Lưu: VT.")
    font: str = "Times New Roman"
    size: float = 14
    repeat_articles: int = 1  # > 1: a longer body (two pages and more)
    top_margin_mm: float = 20  # Decree 30: 20-25 mm


def write_docx(doc: Decree30Doc, path: Path) -> Path:
    """The document as a Word file (python-docx), laid out as Decree 30 asks."""
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Mm, Pt

    d = docx.Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(doc.top_margin_mm), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = d.styles["Normal"]
    normal.font.name = doc.font
    normal.font.size = Pt(doc.size)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), doc.font)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0

    def para(container, text: str = "", *, bold: bool = False, italic: bool = False,
             size: float | None = None, align=None, indent_cm: float | None = None,
             before: float = 0, after: float = 0):
        p = container.add_paragraph()
        fmt = p.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if align is not None:
            p.alignment = align
        if indent_cm:
            fmt.first_line_indent = Cm(indent_cm)
        if text:
            run = p.add_run(text)
            run.bold, run.italic = bold, italic
            if size:
                run.font.size = Pt(size)
        return p

    def two_columns(widths_cm: tuple[float, float]):
        table = d.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, cell, width in zip(table.columns, table.rows[0].cells, widths_cm,
                                       strict=True):
            column.width = cell.width = Cm(width)
            cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
        return table.rows[0].cells

    centre, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
    small = doc.size - 1
    left, right = two_columns((6.0, 10.5))
    para(left, doc.organ[0], size=small, align=centre)
    para(left, doc.organ[1], bold=True, size=small, align=centre)
    para(left, "", size=small)
    para(left, doc.number, size=small, align=centre)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=small, align=centre)
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, align=centre)
    para(right, "", size=small)
    para(right, doc.place_date, italic=True, align=centre)
    para(d, "", after=6)
    para(d, doc.kind, bold=True, align=centre)
    para(d, doc.subject, bold=True, align=centre, after=6)
    if doc.issuer:
        para(d, doc.issuer, bold=True, align=centre, before=6, after=6)
    for text in doc.bases:
        para(d, text, italic=True, align=justify, indent_cm=1.0, after=3)
    if doc.kind == "QUYẾT ĐỊNH":
        para(d, "QUYẾT ĐỊNH:", bold=True, align=centre, before=6, after=6)
    for _ in range(doc.repeat_articles):
        for text in doc.articles:
            p = para(d, "", align=justify, indent_cm=1.0, after=6)
            head, _sep, rest = text.partition(". ")
            if head.startswith("Điều"):
                p.add_run(head + ".").bold = True
                p.add_run(" " + rest)
            else:
                p.add_run(text)
    para(d, "")
    left, right = two_columns((7.5, 9.0))
    para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in doc.recipients:
        para(left, line, size=11)
    if doc.signer is not None:
        block = doc.signer
        if block.authority:
            para(right, block.authority, bold=True, align=centre)
        para(right, block.title, bold=True, align=centre)
        for _ in range(block.blank_lines):
            para(right, "")
        para(right, block.name, bold=True, align=centre)
    else:
        para(right, "")
    d.save(str(path))
    return path


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise RuntimeError("LibreOffice is not installed "
                           "(apt-get install libreoffice-writer-nogui)")
    return exe


def convert_to_pdf(sources: Sequence[Path], outdir: Path) -> list[Path]:
    """``soffice --headless --convert-to pdf`` on every source at once, with a private
    user profile; returns the PDFs (same stems) and fails if one is missing."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="trams-lo-") as profile:
        env = {**os.environ, "HOME": profile}
        proc = subprocess.run(
            [soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
             "--norestore", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir),
             *map(str, sources)], capture_output=True, text=True, timeout=SOFFICE_TIMEOUT,
            env=env)
    pdfs = [outdir / (Path(s).stem + ".pdf") for s in sources]
    missing = [p.name for p in pdfs if not p.is_file()]
    if missing:
        raise RuntimeError(f"soffice did not write {missing}: {proc.stdout}{proc.stderr}")
    return pdfs


def build_pdfs(docs: Sequence[Decree30Doc], folder: Path) -> dict[str, Path]:
    """Each document written as .docx and exported to PDF by LibreOffice: stem -> PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = [write_docx(doc, folder / f"{doc.stem}.docx") for doc in docs]
    return dict(zip((d.stem for d in docs), convert_to_pdf(sources, folder), strict=True))
