"""Born-digital documents as offices make them: a Word (.docx) file written by LibreOffice
and exported to PDF with ``soffice --headless --convert-to pdf`` (libreoffice-writer-nogui).

Each call uses a LibreOffice profile of its own, so parallel test processes do not share
one (LibreOffice refuses to start twice on one profile).
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

DECISION = [
    ("p", "ỦY BAN NHÂN DÂN XÃ TRÀ MY"),
    ("h1", "QUYẾT ĐỊNH"),
    ("p", "Về việc ban hành Kế hoạch số hóa tài liệu lưu trữ năm 2025"),
    ("p", "Điều 1. Tài liệu được số hóa phải bảo đảm đầy đủ, chính xác so với bản gốc; tệp "
          "điện tử được ký số, gắn siêu dữ liệu và lưu trữ an toàn."),
    ("p", "Điều 2. Quyết định có hiệu lực kể từ ngày ký./."),
    # the closing as Decree 30/2020 draws it: recipients on the left, the signer block on
    # the right with room for the signature between the title and the name
    ("closing", (["Nơi nhận:", "- Như Điều 2;", "- Lưu: VT."],
                 ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "", "", "", "Nguyễn Văn Hùng"])),
]


def _html(tag: str, content) -> str:
    if tag != "closing":
        return f"<{tag}>{html.escape(content)}</{tag}>"
    left, right = ("<br>".join(html.escape(line) or "&nbsp;" for line in lines)
                   for lines in content)
    return ('<table width="100%" border="0"><tr><td width="45%" valign="top">'
            f'{left}</td><td width="55%" valign="top" align="center"><b>{right}</b></td>'
            "</tr></table>")


def soffice() -> str:
    found = shutil.which("soffice")
    if not found:
        raise RuntimeError("soffice not found: install libreoffice-writer-nogui "
                           "(scripts/setup.sh)")
    return found


def _convert(src: Path, target: str, outdir: Path, profile: Path) -> Path:
    subprocess.run([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", target, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=180)
    out = outdir / f"{src.stem}.{target.split(':')[0]}"
    assert out.is_file(), out
    return out


def word_document(folder: Path, name: str = "quyet-dinh", paragraphs=DECISION) -> Path:
    """``folder/name.docx``, made by LibreOffice from simple HTML (Times New Roman)."""
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(_html(tag, content) for tag, content in paragraphs)
    source = folder / f"{name}.html"
    source.write_text('<html><head><meta charset="utf-8"><style>body{font-family:'
                      '"Times New Roman";font-size:14pt}</style></head><body>'
                      f"{body}</body></html>", encoding="utf-8")
    profile = folder / f".lo-profile-{name}"
    try:
        docx = _convert(source, "docx:MS Word 2007 XML", folder, profile)
    finally:
        source.unlink(missing_ok=True)
    return docx


def export_pdf(document: Path, outdir: Path) -> Path:
    """``soffice --headless --convert-to pdf``: the PDF an office exports."""
    profile = outdir / f".lo-profile-{document.stem}-pdf"
    try:
        return _convert(document, "pdf", outdir, profile)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def word_pdf(folder: Path, name: str = "quyet-dinh", paragraphs=DECISION) -> Path:
    """A .docx made and exported to PDF by LibreOffice; returns the PDF (in ``folder``)."""
    work = folder / f".work-{name}"
    docx = word_document(work, name, paragraphs)
    pdf = export_pdf(docx, work)
    target = folder / pdf.name
    shutil.move(pdf, target)
    shutil.rmtree(work, ignore_errors=True)
    return target
