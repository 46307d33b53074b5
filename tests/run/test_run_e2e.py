"""`trams run` end to end: generated scans, folder and cover-sheet grouping, the repo's PKI
with the agency key on a SoftHSM2 token; checked with pdfsig and `archive check --deep`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from support.runs import SAMPLES, archived_pdfs, pdfsig, sample_inbox, write_run_config
from trams.cli.main import run

from trams.metadata import DocumentMetadata, RecordMetadata

RECORD = RecordMetadata(fileCode="H42.01.2026.HS-0042", title="Hồ sơ giao đất ở",
                        paperFileCode="HS-0042")
SHEETS = (DocumentMetadata(sequence=1, subject="Quyết định giao đất ở", codeNotation="QĐ-UBND"),
          DocumentMetadata(sequence=2, subject="Công văn về việc đo đạc"))


def coversheet_inbox(inbox: Path, work: Path) -> Path:
    """Sheet, one page, sheet, two pages: two documents of one record, scanned in a row.

    The pages are the sample scans saved in other formats: new bytes, so new documents
    (the same bytes would be skipped as already archived)."""
    from PIL import Image
    from trams.scanning import CoverSheet, write_coversheets

    work.mkdir(parents=True)
    pdf = write_coversheets([CoverSheet(RECORD, d) for d in SHEETS], work / "sheets.pdf")
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(pdf), str(work / "s")],
                   check=True, timeout=120)
    sheets = sorted(work.glob("s-*.png"))
    inbox.mkdir(parents=True)
    shutil.copy(sheets[0], inbox / "scan01.png")
    shutil.copy(sheets[1], inbox / "scan03.png")
    for name, src in (("scan02.png", SAMPLES / "01-quyet-dinh" / "page1.tif"),
                      ("scan04.png", SAMPLES / "02-cong-van" / "page1.jpg"),
                      ("scan05.tif", SAMPLES / "02-cong-van" / "page2.png")):
        with Image.open(src) as image:
            image.save(inbox / name, dpi=(300, 300))
    return inbox


def run_json(argv: list[str], capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = run(argv)
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.slow
@pytest.mark.softhsm
def test_folder_and_coversheet_runs_make_a_complete_verified_archive(pki, softhsm, tmp_path,
                                                                      capsys) -> None:
    archive = tmp_path / "archive"
    folders = sample_inbox(tmp_path / "inbox-folders")
    cfg1 = write_run_config(tmp_path, pki, inbox=folders, archive=archive, agency_token=True)
    code, summary = run_json(["--config", str(cfg1), "run", "--json", "--log-format", "json"],
                             capsys)
    assert code == 0, summary
    assert summary["totals"]["archived"] == {"documents": 3, "pages": 4}

    batch = coversheet_inbox(tmp_path / "inbox-sheets", tmp_path / "sheets")
    (tmp_path / "c2").mkdir()
    cfg2 = write_run_config(tmp_path / "c2", pki, inbox=batch, archive=archive,
                            grouping="coversheet", agency_token=True)
    code, summary = run_json(["--config", str(cfg2), "run", "--json", "--log-format", "json"],
                             capsys)
    assert code == 0, summary
    assert summary["totals"]["archived"] == {"documents": 2, "pages": 3}
    # the cover sheets named the record and the documents (Circular 05/2025 file names)
    names = sorted(Path(d["path"]).name for d in summary["documents"])
    assert names == ["H42.01.2026.HS-0042.0000001.pdf", "H42.01.2026.HS-0042.0000002.pdf"]

    pdfs = archived_pdfs(archive)
    assert len(pdfs) == 5
    for pdf in pdfs:
        out = pdfsig(pdf)
        assert out.count("Signature is Valid.") == 2, (pdf, out)
        assert "Total document signed" in out.split("Signature #2")[1]
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout

    capsys.readouterr()
    assert run(["--config", str(cfg2), "archive", "check", "--deep", "--archive",
                str(archive)]) == 0
    assert "Archive OK" in capsys.readouterr().out
    code = run(["--config", str(cfg2), "verify", "--format", "json", "--policy", "vn-dual",
                "--trust", str(pki.root_pem), str(archive)])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(report["files"]) == 5
    assert all(f["verdict"] == "TOTAL_PASSED" and f["policy"]["passed"] for f in report["files"])

    # a second run of each inbox archives nothing and changes nothing
    journal = (archive / ".trams" / "journal.jsonl").read_bytes()
    for cfg in (cfg1, cfg2):
        code, summary = run_json(["--config", str(cfg), "run", "--json",
                                  "--log-format", "json"], capsys)
        assert code == 0
        assert summary["totals"]["archived"]["documents"] == 0
        assert summary["totals"]["skipped"]["documents"] in (3, 2)
    assert (archive / ".trams" / "journal.jsonl").read_bytes() == journal
    assert archived_pdfs(archive) == pdfs
