#!/usr/bin/env python3
"""Benchmark: `trams ocr` against OCRmyPDF on the 10 shared reference pages, same run.

    python benchmarks/bench_ocr_pdfa.py [--rounds 2] [--workdir DIR] [--big 200] [--trams PROGRAM]

- Inputs: the project's reference pages (``samples/gen_scans.py --reference``: A4, 300 dpi,
  grayscale, skewed). Work folder: ``.cache/bench/ocr_pdfa`` unless ``--workdir``.
- TRAMS: ``trams ocr --grouping folder --jobs 2 --pdfa-level 2b PAGES -o OUT`` (deskew on by
  default) -> one 10-page PDF/A.
- OCRmyPDF: ``img2pdf pages/*.tif -o in.pdf`` then ``ocrmypdf --jobs 2 -l vie
  --output-type pdfa --deskew in.pdf out.pdf``, from a venv of its own made on first use
  (``benchmarks/common.py``: OCRmyPDF 17.13.0 and img2pdf under ``.cache/bench/peers``).
- Prints wall times and their ratio, text-layer CER (pdftotext, per page against whichever
  ground-truth order fits better, summed edits / summed characters), sizes and ratio, and
  peak memory of each command's whole process tree (sampled from /proc every 50 ms).
- ``--big N``: peak memory of ``trams ocr`` on one N-page document (the 10 pages repeated).
Both commands run with ``OMP_THREAD_LIMIT=1`` (Tesseract threads fight with --jobs).

Measured 2026-12-01 later, OCR workers spawned and lean (they no longer carry the command
line's imports), ``--rounds 2``, on a slower day of the machine (bare Tesseract 33.6 s for
bench_run's 50 pages, 24.5 s in the entry below): TRAMS 8.3 s, 10.88 MB, CER 0.07 %, peak
325 MB; OCRmyPDF 20.4 s, 58.09 MB, 2.80 %, 367 MB; wall ratio 0.41.

Measured 2026-12-01, ``--rounds 2``, tall text read from a smaller copy ([ocr]
read_line_height 40): TRAMS 6.1 s, 10.88 MB, CER 0.07 %, peak 408 MB; OCRmyPDF 15.4 s,
58.09 MB, 2.80 %, 390 MB; wall ratio 0.39. The same with ``TRAMS_CONFIG`` naming a
trams.toml with read_line_height = 0 (as before), right after: TRAMS 6.5 s, 10.88 MB,
0.19 %, 394 MB; OCRmyPDF 15.3 s; ratio 0.43.

Measured 2026-11-26 on the 2-core machine, ``python benchmarks/bench_ocr_pdfa.py --big 200``
(OCRmyPDF 17.13.0, Tesseract 5.3 vie; wall times vary +-50 % with other load):

| | TRAMS | OCRmyPDF | ratio | goal |
|---|---|---|---|---|
| wall, 10 pages | 10.4 s (13.7-19.9 s under load) | 21.4 s (25-51 s under load) | 0.49 | <= 0.5 |
| size | 10.9 MB | 57.7 MB | 0.19 | <= 0.3 |
| CER (pdftotext, summed) | 0.10 % | 1.57 % | | <= OCRmyPDF |
| peak RSS, process tree | 385 MB | 372 MB | 1.03 | |
| 200-page document | 417 MB peak, 217 MB file, 489 s (under load) | | | < 500 MB |

TRAMS per-page pdftotext CER after the two-column text-layer change (4b1171b): 0.05 0.06
0.16 0.10 0.16 0.05 0.19 0.11 0.00 0.15 % (before it: 0.05 0.06 2.88 0.10 0.16 1.19 0.19
1.31 2.72 0.15 %, poppler read the two-column footer into the body's block). A later run
under load from other test runs: TRAMS 19.7 s vs OCRmyPDF 56.9 s (0.35), 10.86 vs 57.69 MB
(0.19), CER 0.10 % vs 1.57 %. PDF assembly is ~0.2 s of the wall time; the rest is the
scanning stage (clean-up, orientation, OCR).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peer, place, reference_pages, trams_program, workdir  # noqa: E402
from support.textmetrics import levenshtein  # noqa: E402


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_cer(pdf: Path, pages: Path, count: int) -> tuple[float, list[float]]:
    edits = chars = 0
    per_page = []
    for n in range(1, count + 1):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(n), "-l", str(n),
                              str(pdf), "-"], capture_output=True, check=True).stdout
        hyp = norm(out.decode("utf-8"))
        best = None
        for suffix in (".gt.txt", ".gt_rows.txt"):
            ref = norm((pages / f"page{n:02d}{suffix}").read_text(encoding="utf-8"))
            d = levenshtein(ref, hyp)
            if best is None or d / len(ref) < best[0] / best[1]:
                best = (d, len(ref))
        edits += best[0]
        chars += best[1]
        per_page.append(best[0] / best[1])
    return edits / chars, per_page


def _tree_rss(root: int) -> tuple[int, int]:
    """Resident memory (bytes) of ``root`` and all its descendants, from /proc: the sum of
    their RSS, and of their PSS (proportional set size: a page shared by n processes, as a
    forked worker shares its parent's, counts 1/n in each; the memory the tree takes from
    the machine).

    A child caught between fork and exec (``subprocess.run`` of pdftotext from a 280 MB run)
    still uses its parent's memory (vfork: the same pages) and /proc reports the parent's
    whole RSS for it; counted, it adds the parent a second time to a sample now and then,
    more often the more subprocesses a batch starts. Such a child (the same virtual size as
    its parent and about the same RSS) is not counted."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    vsize: dict[int, int] = {}
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            ppid, size, pages = int(fields[1]), int(fields[20]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        parent[pid] = ppid
        vsize[pid] = size
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE")

    def before_exec(pid: int) -> bool:
        up = parent.get(pid)
        return (pid != root and up in rss and vsize[pid] == vsize[up]
                and abs(rss[pid] - rss[up]) <= 0.02 * rss[up])

    total, pss, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        if not before_exec(pid):
            total += rss.get(pid, 0)
            pss += _pss(pid)
        todo += children.get(pid, [])
    return total, pss


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeSampler:
    """Peak RSS of a process tree (and its peak PSS) and of its top process, sampled in a
    thread (a context manager around the process's lifetime)."""

    def __init__(self, pid: int, every: float = 0.05):
        self.pid, self.every = pid, every
        self.peak = self.peak_top = self.peak_pss = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            rss, pss = _tree_rss(self.pid)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            try:
                with open(f"/proc/{self.pid}/statm") as fh:
                    top = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
                self.peak_top = max(self.peak_top, top)
            except (OSError, IndexError, ValueError):
                pass
            time.sleep(self.every)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run ``cmd``; return (wall seconds, peak RSS of the process tree in bytes)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with TreeSampler(proc.pid) as sampler:
        _, err = proc.communicate()
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')}")
    return wall, sampler.peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--trams", default=trams_program())
    ap.add_argument("--skip-ocrmypdf", action="store_true")
    ap.add_argument("--big", type=int, default=0, help="also measure an N-page document")
    ap.add_argument("--rounds", type=int, default=2,
                    help="TRAMS and OCRmyPDF alternated this many times; fastest counts")
    args = ap.parse_args()
    work = args.workdir or workdir("ocr_pdfa")
    pages = reference_pages()
    scans = work / "scans"
    for n in range(1, 11):
        place(pages / f"page{n:02d}.tif", scans / f"page{n:02d}.tif")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "TRAMS_LANG": "en"}

    cmd_t = [args.trams, "ocr", "--grouping", "folder", "--jobs", "2", "--pdfa-level", "2b",
             str(scans), "-o", str(work / "trams-out")]
    if not args.skip_ocrmypdf:
        bin_ = peer("ocrmypdf")
        src = work / "img2pdf-input.pdf"
        subprocess.run([str(bin_ / "img2pdf"), *sorted(str(p) for p in scans.glob("*.tif")),
                        "-o", str(src)], check=True)
        pdf_o = work / "ocrmypdf-out.pdf"
        cmd_o = [str(bin_ / "ocrmypdf"), "--jobs", "2", "-l", "vie", "--output-type", "pdfa",
                 "--deskew", str(src), str(pdf_o)]
    # Alternated rounds, the fastest of each counts (others' load only ever slows a pass).
    walls_t: list[float] = []
    walls_o: list[float] = []
    mem_t = mem_o = 0
    for _round in range(args.rounds):
        shutil.rmtree(work / "trams-out", ignore_errors=True)
        wall, mem = measure(cmd_t, env)
        walls_t.append(wall)
        mem_t = max(mem_t, mem)
        if not args.skip_ocrmypdf:
            pdf_o.unlink(missing_ok=True)
            wall, mem = measure(cmd_o, {**env, "PATH": f"{bin_}:{env['PATH']}"})
            walls_o.append(wall)
            mem_o = max(mem_o, mem)
    wall_t = min(walls_t)
    pdf_t = next((work / "trams-out").glob("*.pdf"))
    cer_t, pages_t = text_cer(pdf_t, pages, 10)
    size_t = pdf_t.stat().st_size
    print(f"load average {os.getloadavg()[0]:.2f} after the rounds; {os.cpu_count()} cores")
    print(f"TRAMS    : {' '.join(cmd_t)}")
    print(f"  wall {wall_t:.1f} s (rounds: {', '.join(f'{w:.1f}' for w in walls_t)}), size "
          f"{size_t / 1e6:.2f} MB, peak RSS {mem_t / 1e6:.0f} MB, CER {cer_t * 100:.2f} % "
          f"(pages: {', '.join(f'{c * 100:.2f}' for c in pages_t)})")

    if not args.skip_ocrmypdf:
        wall_o = min(walls_o)
        cer_o, pages_o = text_cer(pdf_o, pages, 10)
        size_o = pdf_o.stat().st_size
        print(f"OCRmyPDF : {' '.join(cmd_o)}")
        print(f"  wall {wall_o:.1f} s (rounds: {', '.join(f'{w:.1f}' for w in walls_o)}), size "
              f"{size_o / 1e6:.2f} MB, peak RSS {mem_o / 1e6:.0f} MB, CER {cer_o * 100:.2f} % "
              f"(pages: {', '.join(f'{c * 100:.2f}' for c in pages_o)})")
        print(f"RATIOS TRAMS/OCRmyPDF: wall {wall_t / wall_o:.2f} (goal <= 0.45), "
              f"size {size_t / size_o:.2f} (goal <= 0.3), CER {cer_t * 100:.2f} % vs "
              f"{cer_o * 100:.2f} % (goal <=), peak RSS {mem_t / mem_o:.2f}")

    if args.big:
        big = work / f"big-{args.big}"
        shutil.rmtree(big, ignore_errors=True)
        big.mkdir()
        for i in range(args.big):
            place(pages / f"page{i % 10 + 1:02d}.tif", big / f"p{i + 1:04d}.tif")
        out_b = work / "big-out"
        shutil.rmtree(out_b, ignore_errors=True)
        cmd_b = [args.trams, "ocr", "--grouping", "folder", "--jobs", "2", str(big),
                 "-o", str(out_b)]
        wall_b, mem_b = measure(cmd_b, env)
        pdf_b = next(out_b.glob("*.pdf"))
        print(f"TRAMS {args.big} pages: wall {wall_b:.1f} s, size {pdf_b.stat().st_size / 1e6:.1f}"
              f" MB, peak RSS of the process tree {mem_b / 1e6:.0f} MB (goal < 500)")


if __name__ == "__main__":
    main()
