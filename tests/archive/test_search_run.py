"""Search, show and reports on an archive filled by `trams run` (real OCR of the sample
scans, real signatures of the demo PKI), and the run-level acceptance points of issues 15
and 13: a kill -9 between the archive's commit and the index update, a read-only copy,
an archived PDF deleted by hand, a run on a damaged state database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.archive import readonly_copy, tree_state
from support.runs import P12_ENV, sample_inbox, write_run_config
from trams.signing.demo_pki import DEMO_PASSPHRASE

METADATA = """
[[documents]]
source = "01-quyet-dinh"
typeName = "02"
codeNumber = "67"
codeNotation = "QĐ-UBND"
issuedDate = "22/07/2024"
subject = "Quyết định cấp giấy chứng nhận quyền sử dụng đất"
autograph = "Hồ Văn Thanh"
[documents.record]
fileCode = "H42.01.2024.HS-0101"
title = "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất hộ ông Phan Văn Lực"

[[documents]]
source = "02-cong-van"
typeName = "21"
codeNumber = "153"
codeNotation = "UBND-VP"
issuedDate = "19/04/2024"
subject = "Triển khai số hóa hồ sơ thủ tục hành chính"
autograph = "Hồ Văn Thanh"
[documents.record]
fileCode = "000.00.00.H42-240419-0001"
title = "Hồ sơ thủ tục hành chính số hóa"

[[documents]]
source = "03-to-trinh"
typeName = "12"
codeNumber = "118"
codeNotation = "TTr-UBND"
issuedDate = "26/07/2024"
subject = "Đề nghị hỗ trợ kinh phí sửa chữa trường học"
autograph = "Hồ Văn Thanh"
[documents.record]
fileCode = "H42.01.2024.HS-0103"
title = "Hồ sơ sửa chữa Trường Tiểu học Trà Vân"
"""
CODES = {"H42.01.2024.HS-0101.0000001": "01", "000.00.00.H42-240419-0001.0000001": "02",
         "H42.01.2024.HS-0103.0000001": "03"}


def trams(cfg: Path, *args: str, env: dict | None = None,
          timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trams", "--lang", "en", "--config", str(cfg),
                           *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout,
                          env={**os.environ, P12_ENV: DEMO_PASSPHRASE, **(env or {})})


@dataclass(frozen=True)
class Site:
    folder: Path
    config: Path
    archive: Path
    inbox: Path


def make_site(pki, folder: Path, names: tuple[str, ...] = ("01-quyet-dinh", "02-cong-van",
                                                             "03-to-trinh")) -> Site:
    folder.mkdir(parents=True, exist_ok=True)
    inbox = sample_inbox(folder / "inbox", names)
    meta = folder / "metadata.toml"
    meta.write_text(METADATA, encoding="utf-8")
    cfg = write_run_config(folder, pki, inbox=inbox, archive=folder / "archive",
                           extra=f'[metadata]\nfile = "{meta}"\n')
    return Site(folder, cfg, folder / "archive", inbox)


def copy_site(site: Site, pki, folder: Path) -> Site:
    """Another site with a copy of ``site``'s archive and inbox."""
    new = make_site(pki, folder, names=())
    shutil.rmtree(new.inbox)
    shutil.copytree(site.inbox, new.inbox)
    shutil.copytree(site.archive, new.archive)
    return new


@pytest.fixture(scope="module")
def filled(pki, tmp_path_factory) -> Site:
    site = make_site(pki, tmp_path_factory.mktemp("filled"))
    done = trams(site.config, "run", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["totals"]["archived"] == {"documents": 3, "pages": 4}
    return site


def search(site: Site, *args: str, env: dict | None = None) -> dict:
    done = trams(site.config, "archive", "search", *args, "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def hits(site: Site, *args: str) -> list[str]:
    return [CODES[h["doc_code"]] for h in search(site, *args)["hits"]]


@pytest.mark.slow
def test_vietnamese_queries_on_an_archive_filled_by_run(filled: Site) -> None:
    result = search(filled, "quyet dinh dat dai")  # no diacritics: Quyết định ... đất đai
    assert [CODES[h["doc_code"]] for h in result["hits"]] == ["01"]
    hit = result["hits"][0]
    marked = {unicodedata.normalize("NFC", hit["snippet"][s:e]).lower()
              for s, e in hit["highlights"]}
    assert {"quyết định", "đất đai"} <= marked or {"quyết", "định", "đất", "đai"} <= marked
    assert hit["title"].startswith("Hồ sơ cấp giấy") and hit["date"] == "2024-07-22"
    assert Path(hit["path"]).is_file()

    assert hits(filled, "đất") == ["01"]  # exact: that spelling only
    assert hits(filled, "đặt") == []
    assert hits(filled, '"quyền sử dụng đất"') == ["01"]  # a phrase
    assert hits(filled, '"đất dụng sử quyền"') == []
    assert sorted(hits(filled, "trường")) == ["01", "03"]  # Môi trường, trường học
    assert sorted(hits(filled, '"trường học" OR 107/2021')) == ["02", "03"]
    assert sorted(hits(filled, 'ủy ban -"trường học"')) == ["01", "02"]
    assert hits(filled, "xơ*") == ["03"]  # Xơ Đăng, a prefix
    nfd = unicodedata.normalize("NFD", "Trường Tiểu học")
    assert hits(filled, nfd) == hits(filled, "Trường Tiểu học") == ["03"]


@pytest.mark.slow
def test_filters_and_formats(filled: Site) -> None:
    assert hits(filled, "hồ sơ", "--record", "000.00.00.H42-240419-0001") == ["02"]
    assert hits(filled, "ủy ban", "--type", "12") == ["03"]
    assert hits(filled, "ủy ban", "--type", "QĐ") == ["01"]
    assert sorted(hits(filled, "ủy ban", "--from", "2024-07-01", "--to", "2024-07-31")) == [
        "01", "03"]
    assert sorted(hits(filled, "ủy ban", "--signer", "ho van thanh")) == ["01", "02", "03"]
    assert hits(filled, "ủy ban", "--agency", "H42.99") == []
    assert len(hits(filled, "ủy ban", "--agency", "H42.01", "--limit", "2")) == 2

    done = trams(filled.config, "archive", "search", "sửa chữa", "--format", "csv")
    rows = done.stdout.splitlines()
    assert rows[0].startswith("\ufeffrank,score,doc_code,record_code,title") and len(rows) == 2
    plain = trams(filled.config, "archive", "search", "sửa chữa")
    assert "H42.01.2024.HS-0103.0000001" in plain.stdout and "\x1b[" not in plain.stdout
    tty = trams(filled.config, "archive", "search", "sửa chữa", env={"FORCE_COLOR": "1"})
    assert "\x1b[1m" in tty.stdout  # hits in bold on a terminal


@pytest.mark.slow
def test_show_a_document(filled: Site) -> None:
    done = trams(filled.config, "archive", "show", "H42.01.2024.HS-0103.0000001", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    doc = shown["documents"][0]
    assert shown["kind"] == "document" and shown["record"]["title"].startswith("Hồ sơ sửa")
    assert [s["role"] for s in doc["signatures"]] == ["leader", "agency"]
    assert all(s["signer"] and s["signing_time"] and s["level"] == "B-LT"
               for s in doc["signatures"])
    assert doc["verdict"] == "TOTAL_PASSED"  # the run's verification before archiving
    assert doc["quality"]["verdict"] == "ok" and doc["quality"]["pages"] == 1
    assert [v["version"] for v in doc["versions"]] == [1] and not doc["damaged"]
    assert Path(doc["paths"]["pdf"]).is_file() and Path(doc["paths"]["metadata"]).is_file()
    text = trams(filled.config, "archive", "show", "000.00.00.H42-240419-0001")
    assert "TOTAL_PASSED" in text.stdout and "signature leader" in text.stdout


@pytest.mark.slow
def test_reports_csv_json_and_html_in_a_browser(filled: Site, tmp_path: Path) -> None:
    csv_out = trams(filled.config, "archive", "report", "--by", "type", "--format", "csv",
                    "-o", str(tmp_path / "r.csv"))
    assert csv_out.returncode == 0, csv_out.stderr
    data = (tmp_path / "r.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    lines = data[3:].decode().splitlines()
    assert lines[0] == ("by,group,records,documents,pages,dual_signed,verified_passed,"
                        "verified_passed_pct,ocr_review,dossiers")
    assert [line.split(",")[1] for line in lines[1:]] == ["02", "12", "21", "total"]
    assert lines[-1] == "total,total,3,3,4,3,3,100.0,0,1"

    report = json.loads(trams(filled.config, "archive", "report", "--format", "json").stdout)
    assert report["total"]["dossiers"] == 1 and report["index"]["state"] == "fresh"

    for lang, title in (("vi", "Báo cáo số hóa"), ("en", "Digitization report")):
        page = tmp_path / f"report-{lang}.html"
        done = subprocess.run([sys.executable, "-m", "trams", "--lang", lang, "--config",
                               str(filled.config), "archive", "report", "--format", "html",
                               "-o", str(page)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        html = page.read_text(encoding="utf-8")
        assert title in html and f'lang="{lang}"' in html and html.count("<svg") == 2
        assert "<script" not in html.lower() and "http" not in html  # nothing to fetch
    png = tmp_path / "report.png"
    shot = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--window-size=1000,800",
                           f"--screenshot={png}", page.as_uri()], capture_output=True,
                          timeout=120)
    assert shot.returncode == 0 and png.is_file(), shot.stderr[-800:]
    import numpy as np
    from PIL import Image

    with Image.open(png) as image:
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)

    def near(colour: tuple[int, int, int]) -> int:
        return int((np.abs(pixels - np.array(colour)).max(axis=1) < 12).sum())

    assert near((0x2F, 0x5D, 0x8A)) > 500 and near((0x3B, 0x8A, 0x4A)) > 500  # both charts


@pytest.mark.slow
def test_kill_9_between_archive_commit_and_index_update(pki, tmp_path: Path) -> None:
    site = make_site(pki, tmp_path / "site", names=("01-quyet-dinh",))
    killed = trams(site.config, "run", "--json", env={"TRAMS_FAULT": "index.update"})
    assert killed.returncode == -9, killed.stderr[-1000:]
    check = trams(site.config, "archive", "check", "--json", "--archive", str(site.archive))
    assert check.returncode == 0, check.stdout  # the archive is whole; the index behind
    assert [p["kind"] for p in json.loads(check.stdout)["problems"]] == ["index_stale"]
    stale = trams(site.config, "archive", "search", "quyet dinh")
    assert "reindex" in stale.stderr and "Matches: 0 " in stale.stdout
    assert trams(site.config, "archive", "reindex").returncode == 0
    check = trams(site.config, "archive", "check", "--json", "--archive", str(site.archive))
    assert check.returncode == 0 and json.loads(check.stdout)["problems"] == []
    assert [CODES[h["doc_code"]] for h in search(site, "quyet dinh dat dai")["hits"]] == ["01"]


@pytest.mark.slow
def test_readonly_copy_check_deep_stats_verify_search(filled: Site, pki,
                                                     tmp_path: Path) -> None:
    with readonly_copy(filled.archive, tmp_path) as copy:
        before = tree_state(copy)
        for args in (("archive", "check", "--archive", str(copy)),
                     ("archive", "check", "--deep", "--archive", str(copy)),
                     ("archive", "stats", "--archive", str(copy)),
                     ("archive", "search", "đất", "--archive", str(copy)),
                     ("archive", "report", "--archive", str(copy)),
                     ("verify", "--policy", "vn-dual", "--trust", str(pki.root_pem),
                      str(copy))):
            done = trams(filled.config, *args)
            assert done.returncode == 0, (args, done.stdout[-800:], done.stderr[-800:])
        assert tree_state(copy) == before


@pytest.mark.slow
def test_an_archived_pdf_deleted_by_hand_is_damaged_never_skipped(filled: Site, pki,
                                                                   tmp_path: Path) -> None:
    site = copy_site(filled, pki, tmp_path / "site")
    pdf = next(site.archive.glob("*/*/H42.01.2024.HS-0103/data/*.pdf"))
    os.chmod(pdf.parent, 0o755)
    pdf.unlink()
    rerun = trams(site.config, "run", "--json")
    assert rerun.returncode == 5, rerun.stderr[-1500:]
    summary = json.loads(rerun.stdout)
    assert summary["totals"]["skipped"]["documents"] == 2
    failed = [d for d in summary["documents"] if d["status"] == "failed"]
    assert [d["name"] for d in failed] == ["03-to-trinh"]
    assert "archived PDF is missing" in failed[0]["message"] and "backup" in failed[0]["hint"]
    check = trams(site.config, "archive", "check", "--json", "--archive", str(site.archive))
    assert check.returncode == 14
    missing = [p for p in json.loads(check.stdout)["problems"]
               if p["kind"] == "document_missing"]
    assert len(missing) == 1 and "H42.01.2024.HS-0103.0000001" in missing[0]["message"]
    assert "backup" in missing[0]["message"]
    again = trams(site.config, "run", "--json")  # still damaged, still said
    assert [d["status"] for d in json.loads(again.stdout)["documents"]].count("skipped") == 2


@pytest.mark.slow
def test_run_on_a_lost_state_stops_at_start_and_rebuild_brings_it_back(filled: Site, pki,
                                                                       tmp_path: Path) -> None:
    site = copy_site(filled, pki, tmp_path / "site")
    state = site.archive / ".trams" / "state.sqlite"
    state.unlink()
    inbox_before = sorted(p.name for p in site.inbox.iterdir())
    stopped = trams(site.config, "run", "--json")
    assert stopped.returncode == 15, stopped.stderr[-1000:]
    assert "trams archive rebuild" in json.loads(stopped.stdout)["aborted"]["hint"]
    assert not state.exists()  # never an empty state over the bags
    assert sorted(p.name for p in site.inbox.iterdir()) == inbox_before  # nothing moved
    check = trams(site.config, "archive", "check", "--archive", str(site.archive))
    assert check.returncode == 14 and "rebuild" in check.stdout
    rebuilt = trams(site.config, "archive", "rebuild", "--archive", str(site.archive))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    rerun = trams(site.config, "run", "--json")
    assert rerun.returncode == 0
    assert json.loads(rerun.stdout)["totals"]["skipped"]["documents"] == 3  # none twice
    assert trams(site.config, "archive", "check", "--deep", "--archive",
                 str(site.archive)).returncode == 0
    assert hits(site, "quyet dinh dat dai") == ["01"]
