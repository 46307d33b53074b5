"""`trams run` on inputs from outside: a document exported from Word goes to signing and the
archive as it is; a PDF without pages and malformed PDFs fail alone, each moved to .failed
with its reason; the run's JSON log states the exit code the run really returned."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest
from support.office import word_pdf
from support.runs import archived_pdfs, json_lines, pdfsig, sample_inbox, write_run_config
from support.stamps import check_decree30, find_line, issued_stamps, text_lines
from trams.cli.main import run

from trams.pdf.xmp import read_metadata


def _malformed_pdfs(folder: Path) -> dict[str, str]:
    """name -> a word of the reason"""
    folder.mkdir(parents=True, exist_ok=True)
    empty = pikepdf.new()
    empty.save(folder / "no-pages.pdf")
    for name, width, cm in (("width-foo.pdf", pikepdf.Name("/Foo"), b"595 0 0 842 0 0"),
                            ("cm-name.pdf", 100, b"595 0 /Zero 842 0 0")):
        pdf = pikepdf.new()
        page = pdf.add_blank_page(page_size=(595, 842))
        image = pikepdf.Stream(pdf, b"\xff" * 100 * 10)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height = width, 10
        image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.obj.Contents = pdf.make_stream(b"q " + cm + b" cm /Im0 Do Q")
        pdf.save(folder / name)
    return {"no-pages.pdf": "no pages", "width-foo.pdf": "/Width", "cm-name.pdf": "cm"}


@pytest.mark.slow
def test_word_export_is_signed_and_archived_and_broken_pdfs_fail_alone(pki, tmp_path,
                                                                       capsys) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh",))
    word_pdf(inbox / "02-word")  # a folder holding one PDF exported from a .docx
    broken = _malformed_pdfs(inbox)
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    code = run(["--config", str(cfg), "run", "--json", "--log-format", "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 5, summary  # some failed, the rest archived
    assert summary["exit_code"] == 5
    archived = {d["name"]: d for d in summary["documents"] if d["status"] == "archived"}
    assert set(archived) == {"01-quyet-dinh", "02-word"}, summary["documents"]
    failed = inbox / ".failed"
    for name, word in broken.items():
        reason = (failed / f"{name}.reason.txt").read_text(encoding="utf-8")
        assert name in reason and word in reason, reason
    # the Word document: signed twice, its own text and fonts, the archival metadata
    word = Path(archived["02-word"]["path"])
    out = pdfsig(word)
    assert out.count("Signature is Valid.") == 2, out
    # ... in the signer block LibreOffice laid out, between CHỦ TỊCH and the name (rendered)
    lines = text_lines(word, 1)
    nearby = find_line(lines, "Nơi nhận:")
    check_decree30(issued_stamps(word, lines, 1, title="CHỦ TỊCH", name="Nguyễn Văn Hùng",
                                 work=tmp_path / "render", body_ends=nearby.box[1]))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(word), "-"], capture_output=True,
                          check=True, timeout=60).stdout.decode("utf-8")
    assert "Điều 1. Tài liệu được số hóa phải bảo đảm đầy đủ" in text, text
    fonts = subprocess.run(["pdffonts", str(word)], capture_output=True, text=True,
                           check=True, timeout=60).stdout
    assert "Liberation" in fonts and "TramsGlyphLess" not in fonts  # not re-rendered, no OCR
    with pikepdf.open(word) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        record, document = read_metadata(pdf.Root.Metadata.read_bytes())
    assert record.fileCode.startswith("H42.01.") and document.numberOfPage == 1
    # the JSON log of the run says what the run returned
    log = json_lines(Path(summary["log_file"]).read_text(encoding="utf-8"))
    assert log[-1]["event"] == "run_finished" and log[-1]["exit_code"] == 5
    assert len(archived_pdfs(archive)) == 2


def test_the_log_reports_a_crash_as_exit_1(pki, tmp_path, capsys, monkeypatch) -> None:
    """A bug during the run: the CLI exits 1, and the log file says 1, not 0."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")

    def crash(*args, **kwargs):
        raise TypeError("a bug in planning")

    monkeypatch.setattr("trams.pipeline.engine.plan_documents", crash)
    assert run(["--config", str(cfg), "run", "--log-format", "json"]) == 1
    logs = list((tmp_path / "archive" / ".trams" / "logs").glob("run-*.jsonl"))
    [finished] = [e for e in json_lines(logs[0].read_text(encoding="utf-8"))
                  if e["event"] == "run_finished"]
    assert finished["exit_code"] == 1
    assert finished["aborted"]["exit_code"] == 1 and "TypeError" in finished["aborted"]["message"]
