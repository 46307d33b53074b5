#!/usr/bin/env python3
"""Run every benchmark in turn (`make bench`), each against its named peers.

    python benchmarks/run_all.py [NAME ...]     # e.g. run_all.py run verify

Each benchmark prints its own table and ratios; this only runs them one after another
(never in parallel: they measure wall time on the same cores) and says which failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("scanning", "ocr_pdfa", "signing", "verify", "run")


def main() -> int:
    names = sys.argv[1:] or list(ORDER)
    failed = []
    for name in names:
        script = HERE / f"bench_{name}.py"
        print(f"\n=== {script.name} ===", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
