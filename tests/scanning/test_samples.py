"""The committed sample scans: regenerated identically, and recognized well."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from support.textmetrics import cer
from trams.scanning import DocumentFailure, ScanOptions, discover, recognize_documents

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "scans"


def test_generator_is_deterministic_and_matches_the_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "samples" / "gen_scans.py"), str(tmp_path)],
                   check=True, timeout=120)
    committed = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*")
                       if p.is_file() and p.name != "README.md")
    assert committed == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                               if p.is_file())
    for rel in committed:
        if rel.suffix == ".txt":
            assert (SAMPLES / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel
        else:  # pixels, not bytes: encoders may differ between library versions
            a = np.asarray(Image.open(SAMPLES / rel).convert("L"), dtype=np.int16)
            b = np.asarray(Image.open(tmp_path / rel).convert("L"), dtype=np.int16)
            assert a.shape == b.shape and np.abs(a - b).mean() < 1.0, rel
    assert sum((SAMPLES / rel).stat().st_size for rel in committed) < 2_000_000


def test_samples_are_recognized_by_folder(tmp_path: Path) -> None:
    found = discover([SAMPLES], grouping="folder")
    assert not found.failures
    assert [(d.name, len(d.pages)) for d in found.documents] == [
        ("01-quyet-dinh", 1), ("02-cong-van", 2), ("03-to-trinh", 1)]
    results = list(recognize_documents(found.documents, ScanOptions(), jobs=2,
                                       workdir=tmp_path))
    for doc in results:
        assert not isinstance(doc, DocumentFailure), doc.message
        assert doc.verdict == "ok"
        for page in doc.pages:
            truth = page.source.path.with_name(page.source.path.stem + ".gt.txt")
            assert cer(page.text, truth.read_text(encoding="utf-8")) <= 0.01, page.source
    assert results[2].pages[0].quality.rotation_fixed == 180
    assert results[0].pages[0].image.bits_per_component == 1
