"""`trams ocr` typed as `ocrmypdf` is: IN OUT for one document, -o X.pdf writes that file,
- for standard input and output, --sidecar [FILE], -q; its hints name its own options.
Real Tesseract on a small page (a few seconds each)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont
from trams.cli.main import run

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _page(path: Path, dpi: int = 300, text: str = "QUYẾT ĐỊNH số 12") -> Path:
    """A small page of text (a quarter of A4 at ``dpi``): quick to recognize."""
    scale = dpi / 300
    image = Image.new("L", (int(1240 * scale), int(600 * scale)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, int(48 * scale))
    for row in range(3):
        draw.text((int(80 * scale), int((120 + 140 * row) * scale)), text, font=font, fill=0)
    image.save(path, dpi=(dpi, dpi))
    return path


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    return {"a": _page(folder / "a.png"), "b": _page(folder / "b.png", text="CÔNG VĂN 7"),
            "low": _page(folder / "low.png", dpi=150)}


def _is_pdfa(path: Path) -> bool:
    with pikepdf.open(path) as pdf:
        return pdf.open_metadata().get("pdfaid:part") == "2" and len(pdf.pages) == 1


def test_in_out_writes_one_pdf_like_ocrmypdf(scans, tmp_path, capsys) -> None:
    out = tmp_path / "qd.pdf"
    assert run(["--lang", "en", "ocr", str(scans["a"]), str(out), "-j", "1"]) == 0
    assert _is_pdfa(out) and [p.name for p in tmp_path.iterdir()] == ["qd.pdf"]
    assert "1 PDF/A file written" in capsys.readouterr().out
    # -o with a .pdf name: that file, not a folder of that name; --sidecar FILE; -q
    out2 = tmp_path / "sub" / "x.pdf"
    text = tmp_path / "x-text.txt"
    assert run(["ocr", str(scans["b"]), "-o", str(out2), "--sidecar", str(text), "-q",
                "--jpeg-quality", "70", "-j", "1"]) == 0
    captured = capsys.readouterr()
    assert out2.is_file() and _is_pdfa(out2) and captured.out == "" and captured.err == ""
    assert "VĂN" in text.read_text(encoding="utf-8")
    # --sidecar alone: NAME.txt beside the PDF
    out3 = tmp_path / "y.pdf"
    assert run(["ocr", str(scans["a"]), str(out3), "-j", "1", "--sidecar"]) == 0
    assert "ĐỊNH" in (tmp_path / "y.txt").read_text(encoding="utf-8")


def test_two_documents_into_one_file_is_refused_before_any_ocr(scans, tmp_path,
                                                                capsys) -> None:
    out = tmp_path / "both.pdf"
    code = run(["--lang", "vi", "ocr", str(scans["a"]), str(scans["b"]), "-o", str(out),
                "--json"])
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "[output_not_single]" in err and "2 văn bản" in err
    # the last argument without -o is the output: a folder for several documents
    folder = tmp_path / "many"
    assert run(["ocr", str(scans["a"]), str(scans["b"]), str(folder), "-j", "1", "-q"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["a.pdf", "b.pdf"]
    # one argument and no -o: no output named
    assert run(["ocr", str(scans["a"])]) == 2


def test_standard_input_and_output(scans, tmp_path) -> None:
    done = subprocess.run([sys.executable, "-m", "trams", "ocr", "-", "-", "-j", "1"],
                          input=scans["a"].read_bytes(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"%PDF-")
    (tmp_path / "out.pdf").write_bytes(done.stdout)
    assert _is_pdfa(tmp_path / "out.pdf")
    assert b"standard output" in done.stderr  # the summary goes to stderr, not into the PDF
    # the text to standard output beside a PDF file
    text = subprocess.run([sys.executable, "-m", "trams", "ocr", str(scans["b"]),
                           str(tmp_path / "b.pdf"), "--sidecar", "-", "-j", "1", "-q"],
                          capture_output=True, text=True, timeout=120)
    assert text.returncode == 0 and "VĂN" in text.stdout
    # JSON and the PDF cannot both go to standard output
    clash = subprocess.run([sys.executable, "-m", "trams", "ocr", str(scans["a"]), "-",
                            "--json"], capture_output=True, text=True, timeout=60)
    assert clash.returncode == 2 and clash.stdout == ""


def test_the_low_dpi_hint_names_the_ocr_option(scans, tmp_path, capsys) -> None:
    code = run(["--lang", "en", "ocr", str(scans["low"]), str(tmp_path / "low.pdf"),
                "--json", "-j", "1"])
    (failure,) = json.loads(capsys.readouterr().out)["failures"]
    assert code == 4 and failure["code"] == "dpi_too_low"
    assert "--accept-low-dpi" in failure["hint"] and "accept_low_dpi =" not in failure["hint"]
    assert run(["ocr", str(scans["low"]), str(tmp_path / "low.pdf"), "--accept-low-dpi",
                "-j", "1", "-q"]) == 0
