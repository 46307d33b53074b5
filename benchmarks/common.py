"""What every benchmark shares: the repository's folders, the peers' venvs, the pages.

- Work folders default to ``.cache/bench/<name>/`` in the repository (ignored by git), never
  to fixed paths elsewhere.
- Peers (OCRmyPDF, the pyHanko CLI) are installed on first use into venvs of their own under
  ``.cache/bench/peers/``, with pinned versions, so `make bench` needs nothing installed by
  hand and the figures name what they were measured against.
- The inputs are the project's own reference pages (``tests/support/pages.py``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench"
sys.path.insert(0, str(ROOT / "tests"))  # the `support` package of the tests

from support.pages import reference_pages  # noqa: E402

# name -> (packages to install, the program the benchmarks run)
PEERS = {
    "ocrmypdf": (("ocrmypdf==17.13.0", "img2pdf"), "ocrmypdf"),
    "pyhanko-cli": (("pyhanko-cli==0.6.0", "pyhanko==0.38.*"), "pyhanko"),
}


def workdir(name: str) -> Path:
    """The default work folder of benchmark ``name``."""
    folder = CACHE / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def peer(name: str) -> Path:
    """The ``bin/`` folder of the peer's own venv, created and filled on first use."""
    packages, program = PEERS[name]
    venv = CACHE / "peers" / name
    if not (venv / "bin" / program).exists():
        print(f"installing {' '.join(packages)} into {venv} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *packages], check=True)
    return venv / "bin"


def place(src: Path, dst: Path) -> Path:
    """Put ``src`` at ``dst`` as a hard link (a copy across file systems): inboxes refuse
    symbolic links, as they should."""
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            dst.hardlink_to(src)
        except OSError:
            shutil.copyfile(src, dst)
    return dst


def trams_program() -> str:
    """The `trams` of the interpreter running the benchmark (the project's .venv)."""
    return str(Path(sys.executable).with_name("trams"))


__all__ = ["CACHE", "PEERS", "ROOT", "peer", "place", "reference_pages", "trams_program",
           "workdir"]
