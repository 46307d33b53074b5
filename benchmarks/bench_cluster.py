#!/usr/bin/env python3
"""Benchmark: the same pages through the local pool and through a Dask cluster (issue 16).

    python benchmarks/bench_cluster.py [--pages DIR] [--rounds 2] [--workdir DIR]
                                       [--head-seconds-per-page 0.142]

- Inputs: the project's 10 reference pages as TIFF and as JPEG (``samples/gen_scans.py
  --reference``: A4, 300 dpi, grey, skewed): 20 page files, one document each, 8.1 and
  3.1 MB each (uncompressed TIFF, JPEG), heavier than most scanners' output, so the
  transfer cost is an upper bound.
- Local pool: ``recognize_documents(jobs=2)``, this machine's two worker processes, as
  `trams run` without [cluster].
- Cluster: a `dask scheduler` and `trams cluster worker --nworkers 2` (two single-thread
  worker processes) started once on 127.0.0.1; ``recognize_documents(pool=...)`` through
  :func:`trams.scanning.cluster.open_pool`, connect and worker check included, as
  `trams run --cluster` does it. Same machine, same two cores: the ratio is the cost of
  distribution itself. Goal: cluster wall <= 1.10 x the local pool.
- The two alternate, ``--rounds`` times each; the fastest of each counts (others' load
  on a shared machine only slows a pass). CPU time of everything involved is counted too:
  this process, the pool's processes or the cluster's (scheduler, workers and their
  Tesseract processes), a ratio the load does not bend.
- Transfer and scheduling, without OCR: the scan's bytes to a worker and a page image's
  worth back, one page at a time (latency) and all 20 at once (throughput), and empty
  tasks (the scheduler's own rate). With the OCR seconds per page and core measured above,
  they give the estimate for 10 and 100 workers; the head's own work per page (PDF/A, two
  signatures, verification, archive: ``--head-seconds-per-page``, from
  ``benchmarks/bench_run.py``, measured 2026-11-26) caps what any number of workers gives.

Measured: see docs/cluster.md (figures, estimate, load average).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, reference_pages, workdir

sys.path.insert(0, str(ROOT / "tests"))
from support.dask_cluster import (  # noqa: E402
    free_port,
    start_scheduler,
    start_worker,
    wait_for_workers,
)


@dataclass
class Pass:
    wall: float
    cpu: float
    pages: int
    failed: int
    sent: int = 0  # cluster: scan bytes put into tasks
    received: int = 0  # cluster: page image bytes fetched
    workers: dict | None = None


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _proc_cpu(pid: int) -> float:
    """CPU seconds of a running process and its reaped children (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (a worker's nanny, its worker processes)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for child in Path(f"/proc/{current}/task").glob("*/children"):
            todo += [int(c) for c in child.read_text().split()]
    return found


def _tree_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in {p for root in pids for p in _tree(root)}:
        try:
            total += _proc_cpu(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def local_pass(docs, options, work: Path) -> Pass:  # noqa: ANN001
    from trams.scanning import DocumentFailure, recognize_documents

    shutil.rmtree(work, ignore_errors=True)
    cpu0 = _own_cpu() + _children_cpu()
    start = time.perf_counter()
    results = list(recognize_documents(docs, options, jobs=2, workdir=work))
    wall = time.perf_counter() - start
    cpu = _own_cpu() + _children_cpu() - cpu0
    failed = sum(isinstance(r, DocumentFailure) for r in results)
    return Pass(wall, cpu, sum(len(d.pages) for d in docs), failed)


def cluster_pass(docs, options, work: Path, cluster, roots: list[int]) -> Pass:  # noqa: ANN001
    from trams.scanning import DocumentFailure, recognize_documents
    from trams.scanning.cluster import open_pool

    shutil.rmtree(work, ignore_errors=True)
    cpu0 = _own_cpu() + _tree_cpu(roots)
    start = time.perf_counter()
    with open_pool(cluster, options) as pool:
        results = list(recognize_documents(docs, options, jobs=2, workdir=work, pool=pool))
        stats = pool.bytes_sent, pool.bytes_received, dict(pool.pages_by_worker)
    wall = time.perf_counter() - start
    cpu = _own_cpu() + _tree_cpu(roots) - cpu0
    failed = sum(isinstance(r, DocumentFailure) for r in results)
    return Pass(wall, cpu, sum(len(d.pages) for d in docs), failed, *stats)


def _length(data: bytes) -> int:
    return len(data)


def _blob(size: int) -> bytes:
    return b"\0" * size


def _nothing(i: int) -> int:
    return i


def transfer_costs(cluster, files: list[Path], image_bytes: int) -> dict[str, float]:  # noqa: ANN001
    """Seconds per page of moving a scan to a worker and a page image back, without OCR:
    one page at a time, and all at once; and the scheduler's rate of empty tasks."""
    from trams.scanning.cluster_client import connect

    client = connect(cluster)
    try:
        datas = [f.read_bytes() for f in files]
        client.submit(_nothing, -1, pure=False).result()  # warm up
        start = time.perf_counter()
        for data in datas:
            client.submit(_length, data, pure=False).result()
            client.submit(_blob, image_bytes, pure=False).result()
        sequential = (time.perf_counter() - start) / len(datas)
        start = time.perf_counter()
        futures = [client.submit(_length, d, pure=False) for d in datas]
        futures += [client.submit(_blob, image_bytes, pure=False) for _ in datas]
        client.gather(futures)
        pipelined = (time.perf_counter() - start) / len(datas)
        count = 500
        start = time.perf_counter()
        client.gather(client.map(_nothing, range(count), pure=False))
        rate = count / (time.perf_counter() - start)
    finally:
        client.close()
    return {"sequential": sequential, "pipelined": pipelined, "tasks_per_s": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=Path, help="reference pages folder")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--head-seconds-per-page", type=float, default=0.142,
                        help="head's PDF/A + signing + verification + archive per page")
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"

    from trams.scanning import ScanOptions, discover

    from trams.config import ClusterConfig

    pages = args.pages or reference_pages()
    files = sorted(pages.glob("page??.tif")) + sorted(pages.glob("page??.jpg"))
    assert len(files) == 20, files
    work = args.workdir or workdir("cluster")
    docs = discover(files).documents
    options = ScanOptions()
    load_before = os.getloadavg()

    scheduler, address = start_scheduler(work, free_port())
    worker = start_worker(work, address, "bench", nworkers=2)
    try:
        wait_for_workers(address, {"bench-0", "bench-1"}, [worker])
        cluster = ClusterConfig(scheduler=address)
        roots = [scheduler.pid, worker.pid]
        local: list[Pass] = []
        remote: list[Pass] = []
        for round_ in range(args.rounds):
            for name, run in (("local", lambda: local_pass(docs, options, work / "local")),
                              ("cluster", lambda: cluster_pass(docs, options, work / "remote",
                                                               cluster, roots))):
                result = run()
                (local if name == "local" else remote).append(result)
                print(f"round {round_ + 1} {name:7s}: {result.wall:6.1f} s wall, "
                      f"{result.cpu:6.1f} s CPU, {result.failed} failed", flush=True)
        best_local = min(local, key=lambda p: p.wall)
        best_remote = min(remote, key=lambda p: p.wall)
        image = best_remote.received // best_remote.pages
        costs = transfer_costs(cluster, files, image)
    finally:
        worker.stop()
        scheduler.stop()
    load_after = os.getloadavg()

    n = best_local.pages
    print()
    print(f"{n} pages (10 reference pages as TIFF and as JPEG), Tesseract vie, 2 cores")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} "
          f"{load_after[2]:.2f} (1, 5, 15 min)")
    print("| pass | wall s | pages/min | CPU s | wall / local | CPU / local |")
    print("|---|---|---|---|---|---|")
    for label, p in (("local pool, 2 processes", best_local),
                     ("Dask, 2 workers x 1 thread", best_remote)):
        print(f"| {label} | {p.wall:.1f} | {60 * n / p.wall:.1f} | {p.cpu:.1f} | "
              f"{p.wall / best_local.wall:.2f} | {p.cpu / best_local.cpu:.2f} |")
    ratio = best_remote.wall / best_local.wall
    print(f"cluster / local wall: {ratio:.3f} (goal <= 1.10: "
          f"{'met' if ratio <= 1.10 else 'NOT met'}); pages per worker: "
          f"{best_remote.workers}")
    sent, back = best_remote.sent / n, best_remote.received / n
    print(f"per page: scan sent {sent / 1e6:.2f} MB, page image back {back / 1e6:.2f} MB; "
          f"round trip without OCR {1000 * costs['sequential']:.0f} ms one at a time, "
          f"{1000 * costs['pipelined']:.0f} ms each all at once; the scheduler runs "
          f"{costs['tasks_per_s']:.0f} empty tasks/s")
    core_seconds = 2 * best_remote.wall / n  # two single-thread workers
    per_core_hour = 3600 / core_seconds
    head_cap = 3600 / args.head_seconds_per_page
    print(f"OCR: {core_seconds:.2f} s per page and core through the cluster -> "
          f"{per_core_hour:.0f} pages/hour per worker; the head's own work "
          f"({args.head_seconds_per_page:.3f} s/page) caps a run at {head_cap:.0f} pages/hour")
    for workers in (10, 100):
        ocr = workers * per_core_hour
        net = workers / core_seconds * (sent + back) / 1e6
        tasks = workers / core_seconds
        bound = "head-bound" if ocr > head_cap else "OCR-bound"
        print(f"{workers:3d} workers: OCR {ocr:,.0f} pages/hour; with the head "
              f"{min(ocr, head_cap):,.0f} pages/hour ({bound}); "
              f"{net:.1f} MB/s of scans and images through the scheduler; "
              f"{tasks:.1f} tasks/s ({100 * tasks / costs['tasks_per_s']:.1f} % of the "
              f"scheduler's rate)")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
