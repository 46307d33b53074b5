"""The auditor's HTML report, checked in a real headless Chromium: the DOM it builds, the
A4 PDF it prints (one page per file after the overview) and a screenshot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from trams.cli.main import run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.slow


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed (scripts/setup.sh installs it)")
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=True)


class Dom(HTMLParser):
    """Tables of the DOM Chromium serialised: rows as lists of cell texts, per class."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "table":
            self.tables.append((attrs.get("class") or "", []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def report(pki, docs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    archived = folder / "000.00.00.H42.2026.HS-01.0000001.pdf"
    shutil.copy(docs["dual-B-LTA"], archived)
    archived.with_suffix(".json").write_text(json.dumps({
        "schema": "trams.document/1", "docCode": "000.00.00.H42.2026.HS-01.0000001",
        "recordCode": "000.00.00.H42.2026.HS-01",
        "fields": {"subject": "Quyết định cấp phép xây dựng"}}), encoding="utf-8")
    out = folder / "report.html"
    code = run(["--lang", "vi", "verify", "--trust", str(pki.root_pem), "--policy", "vn-dual",
                "--format", "html", "--output", str(out), str(archived), str(docs["revoked"])])
    assert code == 11
    return out


def test_dom_has_header_overview_and_no_empty_rows(report, tmp_path):
    dom_text = chromium("--dump-dom", report.as_uri(), profile=tmp_path / "p").stdout
    dom = Dom()
    dom.feed(dom_text)
    assert dom.lang == "vi"
    header = dict(r for r in dom.tables[0][1])
    assert header["Phần mềm"].startswith("TRAMS ")
    assert "TRAMS Demo Root CA" in header["Chứng thư số gốc tin cậy"]
    assert header["Kiểm tra thu hồi"] == "kiểm tra khi có dữ liệu (soft)"
    assert header["Thời điểm kiểm tra"] == "thời điểm kiểm tra"
    overview = next(rows for cls, rows in dom.tables if cls == "overview")
    assert len(overview) == 1 + 2  # heading + one row per file
    first = next(r for r in overview[1:] if r[1].startswith("000."))
    second = next(r for r in overview[1:] if r[1] == "revoked.pdf")
    assert first[2:4] == ["000.00.00.H42.2026.HS-01.0000001", "Quyết định cấp phép xây dựng"]
    assert first[4] == "Nguyễn Văn Hùng; UBND xã Trà My"
    assert first[5] == "Hợp lệ (TOTAL_PASSED)" and second[5] == "Không hợp lệ (TOTAL_FAILED)"
    details = [rows for cls, rows in dom.tables if cls == "kv"][1:]
    for rows in details:
        for row in rows:
            assert len(row) == 2 and row[0] and row[1], row  # no empty rows
    labels = {row[0] for rows in details for row in rows}
    assert {"Thời điểm ký do người ký khai", "Thời điểm theo dấu thời gian của chữ ký",
            "Bằng chứng tồn tại"} <= labels
    times = [row[1] for rows in details for row in rows
             if row[0] == "Thời điểm ký do người ký khai"]
    assert times and all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d \(UTC\+07:00\)", t)
                         for t in times)
    verdicts = [row[1] for rows in details for row in rows if row[0] == "Kết quả ETSI"]
    assert any(v.startswith("Không hợp lệ: chứng thư số đã bị thu hồi (TOTAL_FAILED / "
                            "REVOKED)") for v in verdicts)


def test_prints_on_a4_one_file_per_page(report, tmp_path):
    pdf = tmp_path / "report.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri(),
             profile=tmp_path / "p")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert "(A4)" in info
    pages = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))
    texts = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf),
                             "-"], capture_output=True, text=True, check=True).stdout
             for n in range(1, pages + 1)]
    assert "Tổng hợp" in texts[0]
    starts = [n for n, text in enumerate(texts) if text.lstrip().startswith(("1. ", "2. "))]
    assert len(starts) == 2 and starts[0] >= 1  # each file begins its own page


def test_screenshot(report, tmp_path):
    png = tmp_path / "report.png"
    chromium("--hide-scrollbars", "--window-size=1000,1400", f"--screenshot={png}",
             report.as_uri(), profile=tmp_path / "p")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20000
