"""Benchmark: verify 100 two-signature one-page PDFs offline, TRAMS vs a `pyhanko` CLI loop.

    python benchmarks/bench_verify.py [--files 100] [--jobs 2] [--cli-sample 10]

Makes N distinct files (leader then agency, PAdES B-LT, demo PKI; timestamps and revocation
data made in-process from the demo PKI's own TSA and CA keys, so no network is needed),
then times, in the same run:

* ``verify_paths(folder, offline, jobs)``: one TRAMS run over all files;
* ``pyhanko sign validate --trust root --trust-replace --no-revocation-check FILE`` run once
  per file, for a sample of ``--cli-sample`` files, extrapolated to N (said in the output).
  The pyHanko CLI (``pyhanko-cli`` 0.6.0) comes from a venv of its own, made on first use
  (``benchmarks/common.py``).

Prints files/s of both and the ratio; goal >= 20 files/s on 2 cores (>= 16x the CLI loop).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import peer  # noqa: E402  (also puts tests/ on the path: support.*)


def make_files(pki, folder: Path, count: int) -> list[Path]:
    from support import pdfmaker as pm

    files = []
    for i in range(count):
        now = datetime.now(UTC)
        data = pm.sign(pm.one_page_pdf(f"QUYET DINH so {i + 1:03d}/QD-UBND"), pki, "leader",
                       field="Leader", level="B-LT", at=now)
        data = pm.sign(data, pki, "agency", field="Agency", level="B-LT", at=now)
        path = folder / f"doc{i:03d}.pdf"
        path.write_bytes(data)
        files.append(path)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cli-sample", type=int, default=10)
    args = parser.parse_args()

    from trams.signing.demo_pki import serve_demo_pki
    from trams.signing.verify import VerifyContext, verify_paths

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with serve_demo_pki(tmp_path / "pki") as pki:
            t0 = time.perf_counter()
            (tmp_path / "docs").mkdir()
            files = make_files(pki, tmp_path / "docs", args.files)
            made = time.perf_counter() - t0
            root = pki.root_pem
        print(f"made {len(files)} files (B-LT, leader + agency) in {made:.1f} s; "
              f"PKI server stopped: everything below is offline")

        ctx = VerifyContext.build(trust=[root], offline=True, policy="vn-dual",
                                  agency_name="UBND xã Trà My")
        t0 = time.perf_counter()
        reports = list(verify_paths([tmp_path / "docs"], ctx, jobs=args.jobs))
        ours = time.perf_counter() - t0
        verdicts = {r.verdict for r in reports}
        ours_rate = len(reports) / ours
        print(f"TRAMS verify_paths, jobs={args.jobs}: {len(reports)} files in {ours:.2f} s "
              f"= {ours_rate:.1f} files/s (verdicts: {sorted(verdicts)})")

        cli = str(peer("pyhanko-cli") / "pyhanko")
        sample = files[: args.cli_sample]
        ok = 0
        t0 = time.perf_counter()
        for f in sample:
            run = subprocess.run([cli, "sign", "validate", "--trust", str(root),
                                  "--trust-replace", "--no-revocation-check", str(f)],
                                 capture_output=True, text=True, timeout=120)
            ok += run.returncode == 0
        cli_time = time.perf_counter() - t0
        per_file = cli_time / len(sample)
        cli_rate = 1 / per_file
        print(f"pyhanko sign validate loop: {len(sample)} files in {cli_time:.2f} s "
              f"({ok} exit 0) = {per_file:.2f} s/file = {cli_rate:.2f} files/s; "
              f"extrapolated to {len(files)} files: {per_file * len(files):.1f} s")
        print(f"ratio: {ours_rate / cli_rate:.1f}x (goal >= 16x); "
              f"TRAMS {ours_rate:.1f} files/s (goal >= 20)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
