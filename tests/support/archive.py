"""Helpers for archive tests: small fake PDFs, specs for the crash worker, invariants."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import bagit
import pytest

from trams.archive import Archive
from trams.archive.journal import Journal
from trams.archive.search_index import SearchIndex
from trams.fs import TMP_PREFIX
from trams.models import PageQuality, QualityReport, SignatureRecord, SourcePage

# What a signed, OCRed document hands to the archive, for archive tests that do not sign.
SIGNATURES = (SignatureRecord(field="Agency", signer="CN=UBND xã Trà My", role="agency",
                              indication="TOTAL_PASSED"),)


def quality(mean_confidence: float, verdict: str = "ok") -> QualityReport:
    """A one-page quality report with this mean OCR confidence."""
    page = (SourcePage(Path("scan.tif")), PageQuality(dpi=300, mean_confidence=mean_confidence))
    return QualityReport(document="scan.tif", verdict=verdict, pages=(page,))


WORKER = Path(__file__).resolve().parents[1] / "archive" / "worker.py"
AGENCY = "H42"


def fake_pdf(path: Path, text: str, size: int = 0) -> Path:
    """A small file that looks like a PDF (the archive never parses PDFs)."""
    body = f"%PDF-1.7\n% {text}\n".encode() + b"x" * size + b"\n%%EOF\n"
    path.write_bytes(body)
    return path


def make_spec(tmp: Path, root: Path, n_records: int = 2, per_record: int = 2) -> Path:
    docs = []
    for r in range(1, n_records + 1):
        record = {"fileCode": f"H42.2025.HS{r:02d}", "title": f"Hồ sơ số {r}",
                  "startDate": "01/03/2025"}
        for s in range(1, per_record + 1):
            pdf = fake_pdf(tmp / f"r{r}-d{s}.pdf", f"record {r} document {s}", size=3000)
            docs.append({"record": record, "sequence": s, "pdf": str(pdf),
                         "source": hashlib.sha256(pdf.read_bytes()).hexdigest(),
                         "sidecar": f"văn bản {r}.{s}" if s % 2 else None})
    spec = tmp / "spec.json"
    spec.write_text(json.dumps({"root": str(root), "agency": AGENCY, "docs": docs}))
    return spec


def run_worker(spec: Path, fault: str | None = None, timeout: float = 60) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAMS_FAULT")}
    if fault:
        env["TRAMS_FAULT"] = fault
    return subprocess.run([sys.executable, str(WORKER), str(spec)], env=env,
                          capture_output=True, timeout=timeout).returncode


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(TMP_PREFIX)]


def assert_archive_complete(spec: Path) -> None:
    """Every document of the spec archived exactly once, and the archive checks clean."""
    data = json.loads(spec.read_text())
    root = Path(data["root"])
    with Archive.open(root, agency_code=AGENCY, writer=False) as archive:
        report = archive.check()
        assert report.ok, [p.to_dict() for p in report.problems]
        assert report.problems == ()
        docs = archive.state.documents()
        assert archive.state.pending() == []
        for doc in data["docs"]:
            assert archive.is_done(doc["source"])
    assert len(docs) == len(data["docs"])  # exactly once: no second version, no duplicate
    expected = {hashlib.sha256(Path(d["pdf"]).read_bytes()).hexdigest() for d in data["docs"]}
    assert {d["sha256"] for d in docs} == expected
    assert all(d["version"] == 1 for d in docs)
    assert temp_files(root) == []
    assert list((root / ".trams" / "staging").iterdir()) == []
    chain = Journal(root / ".trams" / "journal.jsonl").verify()
    assert chain.broken_at is None and not chain.torn_tail
    archived = [e for e in Journal(root / ".trams" / "journal.jsonl").entries()
                if e["event"] == "archived"]
    assert len(archived) == len(data["docs"])
    with SearchIndex.open(root / ".trams" / "index") as index:  # caught up, every document
        assert index.count() == len({(d["folder"], d["sequence"]) for d in docs})
    for folder in {root / d["folder"] for d in docs}:
        bagit.Bag(str(folder)).validate()  # full fixity, the reference implementation
        for pdf in (folder / "data").glob("*.pdf"):
            assert pdf.stat().st_mode & 0o777 == 0o444


@contextlib.contextmanager
def readonly_copy(src: Path, work: Path) -> Iterator[Path]:
    """A copy of the archive ``src`` on a read-only mount (an auditor's copy): a read-only
    bind mount as root; a copy without write bits for other users."""
    copy, mount = work / "ro-src", work / "ro"
    shutil.copytree(src, copy, symlinks=True)
    mount.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(copy), str(mount)],
                             capture_output=True).returncode == 0 and subprocess.run(
        ["mount", "-o", "remount,bind,ro", str(mount)], capture_output=True).returncode == 0
    if not mounted:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        if os.geteuid() == 0:
            pytest.skip("no read-only bind mount here (root without CAP_SYS_ADMIN), and root "
                        "ignores file modes")
        for path in [copy, *copy.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode & ~0o222)
        mount = copy
    try:
        probe = mount / ".trams" / "probe"
        with contextlib.suppress(OSError), open(probe, "w"):
            raise AssertionError("the copy is writable")
        yield mount
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every file under ``root``: proof that nothing was written."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}
