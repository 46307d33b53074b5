"""`trams ocr` end to end on a reference page (real scanning package, real Tesseract)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pikepdf
import pytest
from support.pdftools import best_cer, pdftotext
from support.textmetrics import levenshtein
from trams.cli.main import run

from trams.pdf.xmp import read_metadata


@pytest.fixture(scope="module")
def one_scan(ref_dir: Path, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    for suffix in (".tif", ".gt.txt", ".gt_rows.txt"):
        shutil.copy(ref_dir / f"page02{suffix}", folder / f"page02{suffix}")
    return folder / "page02.tif"


def test_ocr_writes_named_pdfa_with_sidecar_and_report(one_scan, tmp_path, capsys) -> None:
    meta = tmp_path / "meta.toml"
    meta.write_text('[record]\nfileCode = "000.00.00.H42.2024.HS-01"\n'
                    'title = "Hồ sơ thử"\n[[documents]]\nsequence = 12\n'
                    'subject = "Về việc giao đất ở"\n', encoding="utf-8")
    out = tmp_path / "out"
    code = run(["ocr", str(one_scan), "-o", str(out), "--metadata", str(meta), "--sidecar",
                "--report", "--json", "--jobs", "1", "--pdfa-level", "1b"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out)
    assert summary["schema_version"] == 1 and summary["kind"] == "ocr"
    stem = "000.00.00.H42.2024.HS-01.0000012"
    pdf_path = out / f"{stem}.pdf"
    assert summary["documents"][0]["pdf"]["path"] == str(pdf_path)
    assert sorted(p.name for p in out.iterdir()) == [
        f"{stem}.pdf", f"{stem}.quality.json", f"{stem}.txt"]
    with pikepdf.open(pdf_path) as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "1"
        record, doc = read_metadata(pdf.Root.Metadata.read_bytes())
    assert record.title == "Hồ sơ thử" and doc.subject == "Về việc giao đất ở"
    gt = one_scan.with_name("page02.gt.txt")
    assert best_cer(gt, pdftotext(pdf_path)) <= 0.01
    assert best_cer(gt, (out / f"{stem}.txt").read_text(encoding="utf-8")) <= 0.01
    report = json.loads((out / f"{stem}.quality.json").read_text(encoding="utf-8"))
    assert report["pages"][0]["word_count"] > 100 and report["pdf"]["pages"] == 1


def test_unsafe_file_code_fails_without_output(one_scan, tmp_path, capsys) -> None:
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"record": {"fileCode": "../../escape"}}), encoding="utf-8")
    out = tmp_path / "out"
    code = run(["ocr", str(one_scan), "-o", str(out), "--metadata", str(meta), "--json",
                "--jobs", "1", "--no-deskew"])
    captured = capsys.readouterr()
    assert code == 4  # ExitCode.INPUT: nothing was written
    summary = json.loads(captured.out)
    assert summary["documents"] == [] and "escape" in summary["failures"][0]["message"]
    assert not any(out.iterdir())
    assert not (tmp_path / "escape.0000001.pdf").exists()


def test_bad_level_is_refused(one_scan, tmp_path) -> None:
    assert run(["ocr", str(one_scan), "-o", str(tmp_path), "--pdfa", "3b"]) == 4


@pytest.mark.slow
def test_all_reference_pages_through_ocr(ref_dir: Path, tmp_path) -> None:
    """The 10 reference pages as one document through `trams ocr` (deskew on, PDF/A-2b).

    Each page's pdftotext text, scored like ``textmetrics.cer`` against the better fitting
    ground truth (column or row order), is within 1 %: the text layer makes poppler read
    two-column headers and footers column by column (see trams.pdf.textlayer).
    """
    folder = tmp_path / "scans"
    folder.mkdir()
    for n in range(1, 11):
        (folder / f"page{n:02d}.tif").symlink_to(ref_dir / f"page{n:02d}.tif")
    out = tmp_path / "out"
    assert run(["ocr", str(folder), "-o", str(out), "--grouping", "folder", "--jobs", "2"]) == 0
    pdf_path = next(out.glob("*.pdf"))
    edits = chars = 0
    for n in range(1, 11):
        text = " ".join(pdftotext(pdf_path, n, n).split())
        scores = []
        for suffix in (".gt.txt", ".gt_rows.txt"):
            ref = " ".join((ref_dir / f"page{n:02d}{suffix}").read_text("utf-8").split())
            scores.append((levenshtein(ref, text), len(ref)))
        best = min(scores, key=lambda s: s[0] / s[1])
        assert best[0] / best[1] <= 0.01, (n, best)
        edits, chars = edits + best[0], chars + best[1]
    assert edits / chars <= 0.01, edits / chars


def test_duplicate_names_fail_before_ocr_and_the_rest_is_written(one_scan, tmp_path,
                                                                  capsys) -> None:
    second = tmp_path / "copy.tif"
    shutil.copy(one_scan, second)
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"record": {"fileCode": "H42.2024.HS-02"},
                                "documents": [{"sequence": 5}, {"sequence": 5}]}),
                    encoding="utf-8")
    out = tmp_path / "out"
    code = run(["ocr", str(one_scan), str(second), "-o", str(out), "--metadata", str(meta),
                "--json", "--jobs", "1", "--no-deskew"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 5  # ExitCode.PARTIAL
    assert [d["pdf"]["path"] for d in summary["documents"]] == [
        str(out / "H42.2024.HS-02.0000005.pdf")]
    assert summary["failures"][0]["document"] == "copy.tif"
    assert sorted(p.name for p in out.iterdir()) == ["H42.2024.HS-02.0000005.pdf"]


def test_page_failing_the_quality_gate_is_written_with_its_verdict(tmp_path, capsys) -> None:
    """`trams ocr` is a converter (as OCRmyPDF): a page with no readable text is written
    all the same, its verdict "failed" and the reason with the fix in its notes; the run's
    stricter rule is in tests/run/test_run_failures.py."""
    from support.pages import textless_page

    page = textless_page(tmp_path / "rings.png")
    out = tmp_path / "rings.pdf"
    assert run(["--lang", "vi", "ocr", str(page), str(out), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)["documents"][0]
    assert doc["verdict"] == "failed" and doc["pdf"]["pages"] == 1
    assert "--languages" in doc["notes"][-1] and "300 dpi" in doc["notes"][-1]
    assert "Cảnh báo:" in captured.err and "không đáng tin cậy" in captured.err
    with pikepdf.open(out) as pdf:  # the scan itself is kept
        assert len(pdf.pages) == 1 and pdf.pages[0].get_images()
