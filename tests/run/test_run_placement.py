"""`trams run` on scanned decisions (300 dpi, turned 1.5 degrees, OCR'd by Tesseract): the
leader signs only in a signer block printing his name, with room for the signature; every
other document fails alone, unsigned, into inbox/.failed/ with a reason in Vietnamese, and
the batch goes on. The archived pages are rendered and the stamps checked against the OCR
text boxes."""

from __future__ import annotations

import json

import pytest
from support.pages import issued_scans
from support.runs import archived_pdfs, write_run_config
from support.stamps import check_decree30, find_line, issued_stamps, text_lines
from trams.cli.main import run

pytestmark = pytest.mark.slow

LEADER = "Nguyễn Văn Hùng"


def test_scans_are_signed_in_their_block_or_set_aside(pki, tmp_path, capsys) -> None:
    inbox = tmp_path / "inbox"
    issued_scans(inbox)
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                           grouping="file")
    code = run(["--lang", "vi", "--config", str(cfg), "run", "--json", "--log-format",
                "json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 5, summary  # some failed, the others were archived
    status = {d["name"]: d for d in summary["documents"]}
    assert {n: d["status"] for n, d in status.items()} == {
        "body-only.jpg": "failed", "chairman.jpg": "archived", "cramped.jpg": "failed",
        "other-block.jpg": "failed", "tight.jpg": "archived"}
    assert all(status[n]["error"] == "SigningPolicyError"
               for n in ("body-only.jpg", "cramped.jpg", "other-block.jpg"))

    failed = inbox / ".failed"
    reason = {n: (failed / f"{n}.reason.txt").read_text(encoding="utf-8")
              for n in ("body-only.jpg", "cramped.jpg", "other-block.jpg")}
    assert {p.name for p in failed.iterdir() if p.suffix == ".jpg"} == set(reason)
    # in Vietnamese, naming the printed name and the key's holder
    assert "Trần Thị Thủy" in reason["other-block.jpg"] and LEADER in reason["other-block.jpg"]
    assert "chưa được ký" in reason["other-block.jpg"]
    assert "khối chữ ký" in reason["body-only.jpg"] and LEADER in reason["body-only.jpg"]
    assert "7,5 mm" in reason["cramped.jpg"] or "7.5 mm" in reason["cramped.jpg"]
    for text in reason.values():
        assert "Cách khắc phục" in text

    pdfs = {p.stem: p for p in archived_pdfs(tmp_path / "archive")}
    assert len(pdfs) == 2
    for name, pdf in pdfs.items():
        lines = text_lines(pdf, 1)
        footer = find_line(lines, "Nơi nhận:").box[1]
        stamps = issued_stamps(pdf, lines, 1, title="CHỦ TỊCH", name=LEADER,
                               work=tmp_path / "render" / name, body_ends=footer)
        check_decree30(stamps)
