#!/usr/bin/env python3
"""Conformance: every scan of a third-party corpus through `trams ocr`, against what its
upstream test suite expects, with CER beside bare Tesseract and OCRmyPDF where ground truth
exists. Opt-in: the corpus is not part of the repository and is read where it lies.

    python benchmarks/conformance_scans.py --corpus PATH   # or TRAMS_CORPUS=PATH
                                           [--workdir DIR] [--only SUBSTRING]
                                           [--skip-ocrmypdf]

``PATH`` is the corpus folder (holding ``corpus.tsv`` and ``scans/``). Every row of kind
``scan`` is run once as a clerk would first run it (``trams ocr FILE -o OUT --json
--report``), and once more where upstream processes it only with a setting: files without
a resolution get ``--default-dpi`` (the page assumed A4 wide), pages under 200 dpi get
``--accept-low-dpi`` (TRAMS refuses them by default: Circular 05/2025 asks for 200 dpi).

Per file it prints: the expected outcome (``corpus.tsv``), what TRAMS did (written,
refused, failed) with its exit code and reason, whether that is what upstream expects, and
where ground truth exists (``GT-FOR`` rows: plain text, or Tesseract box files whose
characters are compared without spaces) the CER of TRAMS's text layer (pdftotext), of bare
``tesseract`` on the same file and of OCRmyPDF 17.13 (``benchmarks/common.py`` installs it
under ``.cache/bench/peers``), all with the same language and resolution.

Acceptance (issue 19): every ``OCR`` input written, every ``REJECT`` refused with its
reason, every ``HAS-TEXT-LAYER`` input converted to PDF/A as it is or refused with the
reason PDF/A cannot be met, and no exit code 1 (a crash) anywhere.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peer, trams_program, workdir  # noqa: E402
from support.textmetrics import cer  # noqa: E402
from trams.scanning.tesseract import installed_languages  # noqa: E402

A4_WIDTH_INCHES = 8.27
ENGLISH = {"trainingital.tif", "trainingtimes.tif"}  # ground truth in English
# The language each upstream suite reads its files in: Tesseract's own tests name the
# script of the page (a category tag); OCRmyPDF's tests run Tesseract with its default,
# English. Other files (the Vietnamese letter): TRAMS's default.
SCRIPT_LANGUAGES = {"Hebrew": "heb", "Hebrew-with-diacritics": "heb", "Devanagari": "hin"}


@dataclass
class Row:
    path: Path
    expected: str
    tags: tuple[str, ...] = ()
    truth: Path | None = None
    runs: list[dict] = field(default_factory=list)
    cer: dict[str, float | None] = field(default_factory=dict)


def read_corpus(root: Path) -> list[Row]:
    table = root / "corpus.tsv"
    if not table.is_file():
        sys.exit(f"no corpus.tsv in {root}: give the corpus folder with --corpus or "
                 "TRAMS_CORPUS")
    rows: dict[str, Row] = {}
    truths: dict[str, Path] = {}
    with table.open(encoding="utf-8") as fh:
        for rec in csv.reader(fh, delimiter="\t"):
            if len(rec) < 7 or not rec[0].startswith("scans/"):
                continue
            path, kind, tags, expected = rec[0], rec[1], tuple(rec[5].split(";")), rec[6]
            if kind == "gt" and expected.startswith("GT-FOR:"):
                truths[expected.removeprefix("GT-FOR:")] = root / path
            elif kind == "scan":
                rows[path] = Row(root / path, expected, tags)
    for target, truth in truths.items():
        if target in rows:
            rows[target].truth = truth
    for row in rows.values():  # the degraded variants share their original's truth
        stem = row.path.name.split("_v")[0]
        if row.truth is None and row.path.parent.name == "vietadmin":
            row.truth = truths.get(f"scans/vietadmin/{stem}.jpg")
    return [rows[k] for k in sorted(rows)]


def truth_text(truth: Path) -> tuple[str, bool]:
    """(text, compare without spaces)."""
    text = truth.read_text(encoding="utf-8")
    if truth.suffix == ".box":
        return "".join(line.split(" ")[0] for line in text.splitlines() if line.strip()), True
    return text, False


def score(text: str, truth: Path) -> float:
    gt, no_spaces = truth_text(truth)
    if no_spaces:
        return cer("".join(text.split()), gt)
    return cer(text, gt)


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          timeout=120).stdout.decode("utf-8", "replace")


def assumed_dpi(path: Path) -> int:
    """The resolution a clerk would give a file that records none: the page's width taken
    for an A4 sheet's, or 150 dpi for a strip of text too narrow to be a page (upstream runs
    such a line, crom.png, at 150)."""
    from PIL import Image

    with Image.open(path) as image:
        dpi = round(image.width / A4_WIDTH_INCHES)
    return dpi if dpi >= 50 else 150


def run_trams(program: str, path: Path, out: Path, extra: list[str], env) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [program, "ocr", str(path), "-o", str(out), "--json", "--report", "--jobs", "1",
           *extra]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, timeout=1800, env=env)
    seconds = time.monotonic() - start
    try:
        summary = json.loads(proc.stdout.decode("utf-8"))
    except ValueError:
        summary = {"documents": [], "failures": []}
    docs, failures = summary.get("documents", []), summary.get("failures", [])
    reason = failures[0]["message"] if failures else ""
    code = failures[0].get("code", "") if failures else ""
    if not docs and not failures:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        reason = reason[0]
    report = {}
    if docs and docs[0].get("report"):
        report = json.loads(Path(docs[0]["report"]).read_text(encoding="utf-8"))
    return {"args": extra, "code": proc.returncode, "error_code": code,
            "written": bool(docs), "docs": docs,
            "reason": reason.replace(str(path), path.name), "report": report,
            "seconds": seconds, "stderr": proc.stderr.decode("utf-8", "replace")}


def settings(row: Row, first: dict) -> list[str] | None:
    """The setting upstream processes this file with, when TRAMS refused it by default."""
    if first["written"]:
        return None
    extra: list[str] = []
    # by the failure's machine code (docs/codes.md), never by its wording
    if first["error_code"] == "dpi_unknown":
        extra += ["--default-dpi", str(assumed_dpi(row.path)), "--accept-low-dpi"]
    elif first["error_code"] == "dpi_too_low":
        extra += ["--accept-low-dpi"]
    return extra or None


def upstream_language(row: Row) -> str | None:
    """The Tesseract language upstream reads ``row`` in (None: TRAMS's default, vie)."""
    for tag in row.tags:
        if tag in SCRIPT_LANGUAGES:
            return SCRIPT_LANGUAGES[tag]
    if row.path.name in ENGLISH or row.path.parent.name == "ocrmypdf":
        return "eng"
    return None


def judge(row: Row) -> tuple[bool, str]:
    """(as upstream expects?, what TRAMS did, in words)."""
    if not row.runs:
        return False, "not run"
    first = row.runs[0]
    last = row.runs[-1]
    kind = row.expected.split(":")[0]
    born = bool(first["report"].get("born_digital"))
    if any(r["code"] == 1 for r in row.runs):
        return False, "CRASH (exit 1)"
    if kind == "OCR":
        return first["written"], "written" if first["written"] else "refused"
    if kind in ("REJECT", "UNREADABLE-BY-DESIGN"):
        ok = not first["written"] and first["code"] == 4 and bool(first["reason"])
        return ok, "refused" if not first["written"] else "written"
    if kind == "HAS-TEXT-LAYER":
        if first["written"]:
            return born, "kept as it is (PDF/A)" if born else "recognized again"
        pdfa = "PDF/A" in first["reason"]
        return pdfa and row.expected != "HAS-TEXT-LAYER", "refused (PDF/A)" if pdfa else \
            "refused"
    if kind == "NO-TEXT-LAYER":
        return not first["written"] and "curves" in first["reason"], \
            "refused (no text, no scan)"
    if kind in ("LOW-DPI", "NONSQUARE-DPI", "UNKNOWN-DPI"):
        ok = not first["written"] and len(row.runs) == 2 and last["written"]
        return ok, "refused, written with " + " ".join(last["args"]) if ok else \
            ("written" if first["written"] else "refused")
    if kind == "ROTATED":
        degrees = int(row.expected.split(":")[1])
        written = next((r for r in row.runs if r["written"]), first)
        pages = written["report"].get("pages") or [{}]
        turned = pages[0].get("rotation_fixed")
        want = (360 - degrees) % 360
        return written["written"] and turned == want, f"written, turned {turned}"
    return first["written"], "written" if first["written"] else "refused"


def bare_tesseract(path: Path, lang: str, dpi: int | None) -> str:
    args = ["tesseract", str(path), "stdout", "-l", lang]
    if dpi:
        args += ["--dpi", str(dpi)]  # tesseract's option, not trams's --default-dpi
    proc = subprocess.run(args, capture_output=True, timeout=600,
                          env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    return proc.stdout.decode("utf-8", "replace")


def ocrmypdf_text(bin_: Path, path: Path, lang: str, dpi: int | None, work: Path) -> str | None:
    out = work / f"ocrmypdf-{path.stem}.pdf"
    args = [str(bin_ / "ocrmypdf"), "-l", lang, "--output-type", "pdf", "--jobs", "1"]
    if dpi and path.suffix.lower() != ".pdf":
        args += ["--image-dpi", str(dpi)]
    proc = subprocess.run([*args, str(path), str(out)], capture_output=True, timeout=1800,
                          env={**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}",
                               "OMP_THREAD_LIMIT": "1"})
    return pdftotext(out) if proc.returncode == 0 else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=os.environ.get("TRAMS_CORPUS"))
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--trams", default=trams_program())
    ap.add_argument("--only", default="", help="run the files whose path contains this")
    ap.add_argument("--skip-ocrmypdf", action="store_true")
    args = ap.parse_args()
    if args.corpus is None:
        sys.exit("give the corpus folder with --corpus PATH or TRAMS_CORPUS=PATH")
    root = Path(args.corpus)
    if (root / "scans").is_dir() is False and root.name == "scans":
        root = root.parent
    work = args.workdir or workdir("conformance_scans")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "TRAMS_LANG": "en"}
    rows = [r for r in read_corpus(root) if args.only in str(r.path)]
    bin_ = None if args.skip_ocrmypdf else peer("ocrmypdf")
    installed = installed_languages()
    not_run: list[tuple[Row, str]] = []
    for row in rows:
        out = work / "out" / row.path.parent.name / row.path.stem
        language = upstream_language(row)
        if language is not None and language not in installed:
            not_run.append((row, language))
            print(f"--  {row.path.relative_to(root)}  [{row.expected}]  not run: read in "
                  f"{language} upstream, and its language data is not installed here", flush=True)
            continue
        lang = ["--languages", language] if language else []
        first = run_trams(args.trams, row.path, out / "default", lang, env)
        row.runs.append(first)
        extra = settings(row, first)
        if extra is not None:
            row.runs.append(run_trams(args.trams, row.path, out / "setting", lang + extra, env))
        if row.truth is not None:
            done = next((r for r in row.runs if r["written"]), None)
            language = language or "vie"
            dpi = assumed_dpi(row.path) if done and "--default-dpi" in done["args"] else None
            row.cer["trams"] = score(pdftotext(Path(done["docs"][0]["pdf"]["path"])),
                                     row.truth) if done else None
            row.cer["tesseract"] = score(bare_tesseract(row.path, language, dpi), row.truth)
            if bin_ is not None:
                text = ocrmypdf_text(bin_, row.path, language, dpi, work)
                row.cer["ocrmypdf"] = score(text, row.truth) if text is not None else None
        ok, did = judge(row)
        row.cer["ok"] = ok
        print(f"{'ok ' if ok else 'NO '} {row.path.relative_to(root)}  [{row.expected}]  "
              f"{did}; exit {'/'.join(str(r['code']) for r in row.runs)}", flush=True)
        reason = next((r["reason"] for r in row.runs if r["reason"]), "")
        if reason:
            print(f"      reason: {reason[:220]}", flush=True)
        for run in row.runs:
            notes = [n for d in run["docs"] for n in d.get("notes", [])]
            if notes:
                print(f"      notes: {'; '.join(notes)[:220]}", flush=True)
        if row.truth is not None:
            cells = ", ".join(f"{k} {v * 100:.2f} %" if isinstance(v, float) else f"{k} -"
                              for k, v in row.cer.items() if k != "ok")
            print(f"      CER ({language if lang else 'TRAMS default vs vie'}): {cells}",
                  flush=True)
    print()
    print("| file | expected | TRAMS | exit | as expected | CER TRAMS | tesseract | OCRmyPDF |")
    print("|---|---|---|---|---|---|---|---|")
    rows = [r for r in rows if r.runs]
    for row in rows:
        ok, did = judge(row)

        def pct(key: str, row: Row = row) -> str:
            value = row.cer.get(key)
            return f"{value * 100:.2f} %" if isinstance(value, float) else ""
        print(f"| {row.path.relative_to(root / 'scans')} | {row.expected} | {did} | "
              f"{'/'.join(str(r['code']) for r in row.runs)} | {'yes' if ok else 'NO'} | "
              f"{pct('trams')} | {pct('tesseract')} | {pct('ocrmypdf')} |")
    crashes = [r for r in rows if any(run["code"] == 1 for run in r.runs)]
    missed = [r for r in rows if not judge(r)[0]]
    print(f"\n{len(rows)} files, {len(rows) - len(missed)} as expected, {len(missed)} not, "
          f"{len(crashes)} crashed (exit 1)"
          + (f"; {len(not_run)} not run here (language data missing: "
             f"{', '.join(sorted({lang for _row, lang in not_run}))})" if not_run else ""))
    for row in crashes:
        print(f"CRASH {row.path}:\n{row.runs[-1]['stderr'][-2000:]}", file=sys.stderr)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
