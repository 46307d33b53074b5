#!/usr/bin/env python3
"""Benchmark: clean-up + OCR of the 10 shared reference pages vs bare Tesseract.

    python benchmarks/bench_scanning.py [--pages DIR] [--jobs N] [--format tif|jpg]

Without --pages, the project's reference pages are used (``samples/gen_scans.py
--reference``, made once into ``.cache/``). Prints, per page: skew found vs the
generator's angle, skew left after straightening, CER (best of gt.txt / gt_rows.txt);
then the wall time of TRAMS
(``recognize_documents``: load, orientation, deskew, OCR, quality, encode_page, with a
worker pool of N) against the sum of bare ``tesseract PAGE stdout -l vie`` times (one
thread each, run one after another) divided by N. Goal: ratio <= 1.3.

Measured 2026-11-26, 2 cores, Tesseract 5.3.0 vie, the 10 reference TIFFs, --jobs 2 (load
average about 1.7, other sessions running): bare 15.2 s / 2 = 7.6 s; TRAMS 9.6 s; ratio 1.26
(1.28 on the run before); CPU-time ratio 1.24; CER 0.00-0.15 % per page (mean 0.09 %);
skew found within 0.011 degrees of the generator's angle, 0.04 degrees left after
straightening. On a busy machine (load 4+) the wall ratio is meaningless (2-4): compare the
CPU-time ratio and the "N at a time" bare run instead.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from trams.scanning import DocumentFailure, ScanOptions, recognize_documents
from trams.scanning.cleanup import measure_skew, rotate_fine

from trams.models import DocumentSource, SourcePage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import reference_pages  # noqa: E402
from support.textmetrics import best_cer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--format", choices=("tif", "jpg"), default="tif")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trams-bench-") as tmp:
        pages_dir = args.pages or reference_pages()
        paths = sorted(pages_dir.glob(f"page[0-9][0-9].{args.format}"))
        if not paths:
            print(f"no pageNN.{args.format} in {pages_dir}", file=sys.stderr)
            return 2

        env = dict(os.environ, OMP_THREAD_LIMIT="1")

        def cpu_children() -> float:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            return usage.ru_utime + usage.ru_stime

        def cpu_self() -> float:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return usage.ru_utime + usage.ru_stime

        cpu0 = cpu_children()
        bare = []
        for path in paths:
            start = time.perf_counter()
            subprocess.run(["tesseract", str(path), "stdout", "-l", "vie"], check=True,
                           capture_output=True, env=env)
            bare.append(time.perf_counter() - start)
        bare_cpu = cpu_children() - cpu0

        # The same bare runs, N at a time: a second reference, fairer when the machine is
        # shared (other processes take cores from both sides alike).
        from concurrent.futures import ThreadPoolExecutor

        def bare_run(path: Path) -> None:
            subprocess.run(["tesseract", str(path), "stdout", "-l", "vie"], check=True,
                           capture_output=True, env=env)

        start = time.perf_counter()
        with ThreadPoolExecutor(args.jobs) as threads:
            list(threads.map(bare_run, paths))
        bare_parallel = time.perf_counter() - start

        docs = [DocumentSource(name=p.stem, pages=(SourcePage(p),)) for p in paths]
        cpu0, self0 = cpu_children(), cpu_self()
        start = time.perf_counter()
        results = list(recognize_documents(docs, ScanOptions(), jobs=args.jobs,
                                           workdir=Path(tmp) / "work"))
        ours = time.perf_counter() - start
        # workers (and the tesseract runs they waited for) are reaped at pool shutdown
        ours_cpu = cpu_children() - cpu0 + cpu_self() - self0

        print(f"{'page':8} {'angle':>7} {'found':>7} {'error':>7} {'left':>7} {'CER %':>6} "
              f"{'conf':>5} verdict")
        cers, errors, lefts = [], [], []
        for path, doc in zip(paths, results, strict=True):
            if isinstance(doc, DocumentFailure):
                print(f"{path.stem:8} FAILED {doc.message}")
                continue
            stem = path.with_suffix("")
            meta = json.loads(stem.with_suffix(".meta.json").read_text())
            page = doc.pages[0]
            found = page.quality.skew_degrees
            left = measure_skew(rotate_fine(Image.open(path), -found), 300)
            score = best_cer(page.text, stem)
            cers.append(score)
            errors.append(abs(found - meta["angle_deg"]))
            lefts.append(abs(left))
            print(f"{path.stem:8} {meta['angle_deg']:7.2f} {found:7.2f} "
                  f"{found - meta['angle_deg']:7.3f} {left:7.2f} {score * 100:6.2f} "
                  f"{page.quality.mean_confidence:5.1f} {doc.verdict}")
        floor = sum(bare) / args.jobs
        print(f"\nCER mean {np.mean(cers) * 100:.2f} %, max {max(cers) * 100:.2f} %; "
              f"skew error max {max(errors):.3f} deg; skew left max {max(lefts):.2f} deg")
        print(f"bare tesseract -l vie: {sum(bare):.1f} s for {len(paths)} pages "
              f"({np.median(bare):.2f} s/page median); / {args.jobs} jobs = {floor:.1f} s")
        print(f"TRAMS clean-up + OCR + encode, {args.jobs} jobs: {ours:.1f} s")
        print(f"ratio {ours / floor:.2f} (goal <= 1.3)")
        print(f"CPU time: bare {bare_cpu:.1f} s, TRAMS {ours_cpu:.1f} s; "
              f"ratio {ours_cpu / bare_cpu:.2f} (what the wall ratio is on an idle machine)")
        print(f"bare tesseract, {args.jobs} at a time: {bare_parallel:.1f} s wall; "
              f"ratio to that {ours / bare_parallel:.2f}")
        load = os.getloadavg()[0]
        print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores"
              + (" (machine shared: figures are noisy)" if load > args.jobs + 0.5 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
