"""Acceptance of the foundation: `trams demo` writes an archive whose every PDF is a clean,
searchable PDF/A-2b carrying two valid signatures, leader's first, agency's covering the
whole file; checked with independent tools (qpdf, pdftotext, pdfsig). A re-run is safe."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

pytestmark = pytest.mark.slow


def _trams(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trams", "--lang", "en", *args],
                          capture_output=True, text=True, timeout=600, cwd=cwd)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    result = _trams("demo", "--output", str(out / "trams-demo"), "--json", cwd=out)
    assert result.returncode == 0, result.stderr
    return out / "trams-demo", json.loads(result.stdout)


def test_demo_archives_every_sample(demo: tuple[Path, dict]) -> None:
    folder, summary = demo
    assert summary["schema_version"] == 1
    docs = summary["documents"]
    assert len(docs) == 3 and all(d["status"] == "archived" for d in docs)
    # `trams run` archives a document only when its signatures verify (vn-dual policy)
    assert all(d["verification"] == "TOTAL_PASSED" for d in docs)
    assert summary["exit_code"] == 0 and summary["log_file"]
    pdfs = sorted((folder / "archive").rglob("*.pdf"))
    assert len(pdfs) == 3
    # its inbox holds the sample scans alone: nothing to report as "not a scan"
    assert summary["ignored"] == [] and sorted(
        p.relative_to(folder / "inbox").as_posix() for p in (folder / "inbox").rglob("*.*")
    ) == ["01-quyet-dinh/page1.tif", "02-cong-van/page1.jpg", "02-cong-van/page2.png",
          "03-to-trinh/page1.png"]


def test_every_pdf_passes_independent_checks(demo: tuple[Path, dict]) -> None:
    folder, _ = demo
    for pdf in sorted((folder / "archive").rglob("*.pdf")):
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert re.search(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]", text), text[:200]
        assert "NHÂN DÂN" in text or "nhân dân" in text.lower()
        with pikepdf.open(pdf) as doc:
            meta = doc.open_metadata()
            assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
        sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
        blocks = re.split(r"Signature #\d+:", sig)[1:]
        # B-LTA: the leader, the agency, then the archive timestamp over the whole file
        assert len(blocks) == 3, sig
        assert "Nguyễn Văn Hùng" in blocks[0] and "UBND xã Trà My" in blocks[1]
        for block in blocks[:2]:
            assert "Signature is Valid" in block, block
        assert "Time Stamping Authority" in blocks[2], blocks[2]
        assert "Total document signed" in blocks[2], blocks[2]


def test_rerun_is_safe(demo: tuple[Path, dict]) -> None:
    folder, _ = demo
    before = sorted(p.relative_to(folder) for p in (folder / "archive").rglob("*.pdf"))
    result = _trams("demo", "--output", str(folder), "--json", cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [d["status"] for d in summary["documents"]] == ["skipped"] * 3
    after = sorted(p.relative_to(folder) for p in (folder / "archive").rglob("*.pdf"))
    assert after == before


def test_stamps_sit_in_the_demo_leaders_signer_block(demo: tuple[Path, dict],
                                                     tmp_path: Path) -> None:
    """The sample pages print the demo leader's block; no fixed box: the signature lies
    between "CHỦ TỊCH" and "Nguyễn Văn Hùng", the seal over its left third, off the body."""
    from support.stamps import check_decree30, find_line, issued_stamps, text_lines

    folder, _ = demo
    for pdf in sorted((folder / "archive").rglob("*.pdf")):
        if ".trams" in pdf.parts:
            continue
        with pikepdf.open(pdf) as doc:
            last = len(doc.pages)
        lines = text_lines(pdf, last)
        footer = find_line(lines, "Nơi nhận:").box[1]
        check_decree30(issued_stamps(pdf, lines, last, title="CHỦ TỊCH",
                                     name="Nguyễn Văn Hùng", work=tmp_path / pdf.stem,
                                     body_ends=footer))
