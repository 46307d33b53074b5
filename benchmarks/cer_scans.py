#!/usr/bin/env python3
"""CER of TRAMS against bare Tesseract on generated Vietnamese pages with ground truth.

    python benchmarks/cer_scans.py [--set reference,sealed,samples] [--lang L ...]
                                   [--no-dropout] [--corpus PATH]

- Pages: the 10 reference pages (300 dpi gray), the pages printed with red seals and stamps
  and scanned back at 200 and 300 dpi with the two-column bulletins
  (``samples/gen_scans.py --sealed``), the 4 committed sample scans; with ``--corpus`` (or
  TRAMS_CORPUS) also the real Vietnamese letter of the corpus (``scans/vietadmin``, no
  resolution in the files: run at 70 dpi, the page's width taken for A4's).
- TRAMS: the scanning stage with its defaults (the library, as `trams ocr` runs it), the
  PDF/A written, its text layer read back with ``pdftotext``; the OCR text (sidecar) too.
- Bare Tesseract: ``tesseract FILE stdout -l LANG`` on the same file.
- ``--lang``: the languages to compare, each for both (default: ``vie``, ``Vietnamese``
  (Debian tesseract-ocr-script-viet), ``vie+Vietnamese``); ``--no-dropout`` also runs
  TRAMS without the red-ink dropout, to measure it.

CER per page against the better fitting of the two ground-truth orders (columns, rows),
whitespace normalized (tests/support/textmetrics.py). Prints a table per page and means,
and the seconds TRAMS and Tesseract took (2 workers each, OMP_THREAD_LIMIT=1).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, reference_pages  # noqa: E402
from support.pages import sealed_pages  # noqa: E402
from support.textmetrics import cer  # noqa: E402

VIETADMIN_DPI = 70


def truth(page: Path) -> list[Path]:
    stem = page.with_suffix("")
    found = [stem.with_name(stem.name + s) for s in (".gt.txt", ".gt_rows.txt")]
    found = [f for f in found if f.is_file()]
    if not found and page.parent.name == "vietadmin":
        found = [page.with_name(page.name.split("_v")[0].removesuffix(".jpg") + "_gt.txt")]
    return found


def best(text: str, page: Path) -> float:
    return min(cer(text, gt.read_text(encoding="utf-8")) for gt in truth(page))


def pages_of(sets: list[str], corpus: Path | None) -> list[tuple[Path, float | None]]:
    out: list[tuple[Path, float | None]] = []
    if "reference" in sets:
        out += [(p, None) for p in sorted(reference_pages().glob("page??.tif"))]
    if "sealed" in sets:
        folder = sealed_pages()
        out += [(p, None) for p in sorted(folder.glob("seal??-*.jpg"))]
        out += [(p, None) for p in sorted(folder.glob("bulletin*.png"))]
    if "samples" in sets:
        out += [(p, None) for p in sorted((ROOT / "samples" / "scans").glob("*/page*.*"))
                if p.suffix in (".tif", ".png", ".jpg")]
    if corpus is not None:
        folder = corpus / "scans" / "vietadmin"
        out += [(p, float(VIETADMIN_DPI)) for p in sorted(folder.glob("4_1*.jpg"))]
    return out


def bare(page: Path, lang: str, dpi: float | None) -> str:
    args = ["tesseract", str(page), "stdout", "-l", lang]
    if dpi:
        args += ["--dpi", str(round(dpi))]
    return subprocess.run(args, capture_output=True, check=True, timeout=600,
                          env={**os.environ, "OMP_THREAD_LIMIT": "1"}).stdout.decode()


def trams(pages: list[tuple[Path, float | None]], options, work: Path):
    """(OCR text, text layer via pdftotext) per page, through the scanning stage and
    write_pdfa, as `trams ocr` does."""
    from trams.scanning import DocumentFailure, discover, recognize_documents

    from trams.pdf.assemble import write_pdfa

    out = []
    by_dpi: dict[float | None, list[Path]] = {}
    for page, dpi in pages:
        by_dpi.setdefault(dpi, []).append(page)
    results: dict[Path, tuple[str, str]] = {}
    for dpi, group in by_dpi.items():
        opts = replace(options, default_dpi=dpi, accept_low_dpi=True)
        found = discover(group, default_dpi=dpi)
        for doc in recognize_documents(found.documents, opts, jobs=2, workdir=work):
            page = doc.source.pages[0].path
            if isinstance(doc, DocumentFailure):
                results[page] = ("", "")
                continue
            pdf = write_pdfa(doc, None, None, work / f"{page.stem}.pdf", workdir=work)
            layer = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf.path), "-"],
                                   capture_output=True, check=True).stdout.decode()
            results[page] = (doc.text, layer)
            for path in doc.work_files:
                Path(path).unlink(missing_ok=True)
    for page, _dpi in pages:
        out.append(results[page])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="reference,sealed,samples")
    ap.add_argument("--lang", action="append", default=None)
    ap.add_argument("--no-dropout", action="store_true")
    ap.add_argument("--corpus", type=Path, default=os.environ.get("TRAMS_CORPUS"))
    args = ap.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    from trams.scanning import ScanOptions

    langs = args.lang or ["vie", "Vietnamese", "vie+Vietnamese"]
    pages = pages_of(args.set.split(","), Path(args.corpus) if args.corpus else None)
    columns: dict[str, list[float]] = {}
    times: dict[str, float] = {}
    runs = [(f"trams {lang}", ScanOptions(languages=lang)) for lang in langs]
    if args.no_dropout:
        runs.append((f"trams {langs[0]} no dropout",
                     ScanOptions(languages=langs[0], drop_red_ink=False)))
    with tempfile.TemporaryDirectory(prefix="cer-scans-") as tmp:
        for name, options in runs:
            start = time.monotonic()
            texts = trams(pages, options, Path(tmp))
            times[name] = time.monotonic() - start
            columns[f"{name} (layer)"] = [best(t[1], p) for t, (p, _d) in zip(texts, pages,
                                                                              strict=True)]
            columns[f"{name} (text)"] = [best(t[0], p) for t, (p, _d) in zip(texts, pages,
                                                                             strict=True)]
        for lang in langs:
            start = time.monotonic()
            with ThreadPoolExecutor(2) as pool:
                texts = list(pool.map(lambda pd, lang=lang: bare(pd[0], lang, pd[1]), pages))
            times[f"tesseract {lang}"] = time.monotonic() - start
            columns[f"tesseract {lang}"] = [best(t, p) for t, (p, _d) in zip(texts, pages,
                                                                             strict=True)]
    names = list(columns)
    print("| page | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for i, (page, _dpi) in enumerate(pages):
        print(f"| {page.parent.name}/{page.name} | "
              + " | ".join(f"{columns[n][i] * 100:.2f}" for n in names) + " |")
    print("| **mean** | " + " | ".join(f"**{sum(columns[n]) / len(pages) * 100:.2f}**"
                                       for n in names) + " |")
    print("\nseconds: " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()))
    default = ScanOptions().languages  # what `trams ocr` uses unless configured
    ours = f"trams {default} (layer)" if f"trams {default} (layer)" in columns \
        else f"trams {langs[0]} (layer)"
    theirs = "tesseract vie" if "tesseract vie" in columns else f"tesseract {langs[0]}"
    for kind in ("(layer)", "(text)"):
        mine = columns[ours.replace("(layer)", kind)]
        worse = [f"{p.name} ({a * 100:.2f} vs {b * 100:.2f})"
                 for (p, _d), a, b in zip(pages, mine, columns[theirs], strict=True) if a > b]
        print(f"pages where {ours.replace('(layer)', kind)} is worse than {theirs}: "
              f"{', '.join(worse) or 'none'}")


if __name__ == "__main__":
    main()
