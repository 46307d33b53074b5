"""Grouping modes, blank pages, original pixels, the pool; the null engine where OCR is
beside the point, real Tesseract where it is not."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from trams.scanning import (
    DocumentFailure,
    ScanOptions,
    discover,
    natural_key,
    recognize_documents,
)
from trams.scanning.engine import NullEngine, OcrEngine, TesseractEngine
from trams.scanning.worker import process_page

from trams.config import InboxConfig, OcrConfig, PdfaConfig
from trams.models import DocumentSource, SourcePage


def _blank(noise_seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(noise_seed)
    arr = np.clip(rng.normal(238, 10, (3508 // 2, 2480 // 2)), 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def test_natural_order() -> None:
    names = ["page10.tif", "page2.tif", "Page1.tif", "page1b.tif"]
    assert sorted(names, key=lambda n: natural_key(Path(n))) == [
        "Page1.tif", "page1b.tif", "page2.tif", "page10.tif"]


def test_folder_and_file_grouping(small_scan: Image.Image, tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    for folder, pages in (("hs-01", ["page10.png", "page2.png", "page1.png"]),
                          ("hs-02", ["scan.png"])):
        (root / folder).mkdir(parents=True)
        for name in pages:
            small_scan.save(root / folder / name, dpi=(300, 300))
    (root / "hs-01" / "page1.gt.txt").write_text("ground truth, not a scan")
    (root / ".done").mkdir()
    small_scan.save(root / ".done" / "old.png", dpi=(300, 300))
    by_folder = discover([root], grouping="folder")
    assert not by_folder.failures
    assert [(d.name, [p.path.name for p in d.pages]) for d in by_folder.documents] == [
        ("hs-01", ["page1.png", "page2.png", "page10.png"]), ("hs-02", ["scan.png"])]
    by_file = discover([root], grouping="file")
    assert [d.name for d in by_file.documents] == [
        "hs-01/page1.png", "hs-01/page2.png", "hs-01/page10.png", "hs-02/scan.png"]
    # a broken page file fails its folder's document only
    (root / "hs-01" / "page3.png").write_bytes(b"")
    broken = discover([root], grouping="folder")
    assert [d.name for d in broken.documents] == ["hs-02"]
    assert {f.path.name for f in broken.failures} == {"page3.png", "hs-01"}


def test_blank_pages_are_dropped_and_recorded(small_scan: Image.Image, tmp_path: Path) -> None:
    small_scan.save(tmp_path / "p1.png", dpi=(300, 300))
    _blank(1).save(tmp_path / "p2.png", dpi=(150, 150))  # back side of a duplex page
    small_scan.save(tmp_path / "p3.png", dpi=(300, 300))
    found = discover([tmp_path], grouping="folder")
    options = ScanOptions(drop_blank_pages=True, accept_low_dpi=True)
    [doc] = recognize_documents(found.documents, options, jobs=2, workdir=tmp_path / "w")
    assert not isinstance(doc, DocumentFailure), doc
    assert [p.source.path.name for p in doc.pages] == ["p1.png", "p3.png"]
    assert [p.path.name for p in doc.source.dropped_pages] == ["p2.png"]
    assert any("p2.png" in note for note in doc.notes)
    assert doc.verdict == "ok"
    # kept when not asked to drop, and marked blank
    [kept] = recognize_documents(found.documents, ScanOptions(accept_low_dpi=True), jobs=1,
                                 workdir=tmp_path / "w2")
    assert [p.quality.blank for p in kept.pages] == [False, True, False]


def test_original_pixels_can_be_kept(small_scan: Image.Image, small_scan_skew: float,
                                     tmp_path: Path) -> None:
    path = tmp_path / "orig.png"
    small_scan.save(path, dpi=(300, 300))
    page = process_page(SourcePage(path), tmp_path / "kept",
                        ScanOptions(keep_original_pixels=True, lossless=True)).page
    assert page is not None and page.quality.skew_degrees == pytest.approx(small_scan_skew, abs=0.3)
    import zlib

    raw = zlib.decompress(page.image.path.read_bytes())
    assert raw == small_scan.convert("L").tobytes()  # untouched
    title = next(line for line in page.lines if "QUYẾT" in line.text)
    cleaned = process_page(SourcePage(path), tmp_path / "clean", ScanOptions()).page
    title2 = next(line for line in cleaned.lines if "QUYẾT" in line.text)
    # The same line, moved back onto the skewed original (not where it is when straight).
    assert title.text == title2.text
    assert all(0 <= v <= max(small_scan.size) for v in title.box)


def test_options_from_config_are_frozen_and_picklable() -> None:
    options = ScanOptions.from_config(OcrConfig(languages="vie+eng"),
                                      InboxConfig(min_dpi=250, default_dpi=None),
                                      PdfaConfig(jpeg_quality=80), accept_low_dpi=True,
                                      default_dpi=None)
    assert options.languages == "vie+eng" and options.min_dpi == 250
    assert options.jpeg_quality == 80 and options.accept_low_dpi
    assert pickle.loads(pickle.dumps(options)) == options
    with pytest.raises(AttributeError):
        options.languages = "eng"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ScanOptions.from_config(OcrConfig(), InboxConfig(), PdfaConfig(), nonsense=1)


def test_engines_follow_the_interface() -> None:
    assert isinstance(NullEngine(), OcrEngine)
    assert isinstance(TesseractEngine(), OcrEngine)


def test_many_one_page_documents_come_back_in_order(tmp_path: Path) -> None:
    image = Image.new("L", (400, 300), 255)
    docs = []
    for i in range(12):
        path = tmp_path / f"d{i}.png"
        image.save(path, dpi=(300, 300))
        docs.append(DocumentSource(name=f"d{i}", pages=(SourcePage(path),)))
    results = list(recognize_documents(docs, ScanOptions(engine="null"), jobs=2,
                                       workdir=tmp_path / "w"))
    assert [r.source.name for r in results] == [f"d{i}" for i in range(12)]
    assert all(not isinstance(r, DocumentFailure) for r in results)


def _thread_limit() -> str | None:
    return os.environ.get("OMP_THREAD_LIMIT")


def test_worker_processes_limit_tesseract_threads() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from trams.scanning import tesseract
    from trams.scanning.worker import init_worker

    assert tesseract._env()["OMP_THREAD_LIMIT"] == "1"  # every tesseract call
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                             initializer=init_worker, initargs=("en",)) as pool:
        assert pool.submit(_thread_limit).result() == "1"  # and the workers themselves
