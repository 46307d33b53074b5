"""The generated pages of the tests and benchmarks (``samples/gen_scans.py``).

The reference pages (``--reference``): ten deterministic A4 300-dpi scans of Decree 30
decisions with their ground truth (see the generator's docstring). The sealed pages
(``--sealed``): Decree 30 pages in colour with red seals and stamps, scanned back at 200
and 300 dpi, and two-column bulletins. Each set is made once per generator version into the
project's ignored cache folder (``.cache/<set>/<hash>/``), under a lock, so test processes
and benchmark runs share one copy.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "samples" / "gen_scans.py"
CACHE = ROOT / ".cache"


def generator() -> ModuleType:
    """``samples/gen_scans.py`` as a module (it is a script of the samples folder)."""
    spec = importlib.util.spec_from_file_location("trams_gen_scans", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cached(kind: str, last: str, make) -> Path:
    """``.cache/<kind>/<generator hash>/``, made once by ``make(folder)`` under a lock;
    ``last`` is the file written last (its presence means the folder is complete)."""
    version = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:12]
    cached = CACHE / kind / version
    cached.parent.mkdir(parents=True, exist_ok=True)
    with open(cached.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (cached / last).is_file():
            partial = cached.with_name(version + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            make(partial)
            partial.rename(cached)
    return cached


def reference_pages(folder: Path | None = None) -> Path:
    """The folder holding page01..page10 (``.tif``, ``.jpg``, ``.gt.txt``, ``.gt_rows.txt``,
    ``.meta.json``); with ``folder``, a copy there."""
    cached = _cached("reference-pages", "page10.meta.json",
                     lambda out: generator().reference_pages(out))
    if folder is None:
        return cached
    shutil.copytree(cached, folder, dirs_exist_ok=True)
    return folder


def issued_scans(folder: Path) -> dict[str, Path]:
    """The signature-placement scans (``samples/gen_scans.py --issued``: chairman, tight,
    cramped, other-block, body-only; 300 dpi JPEGs, turned 1.5 degrees), made once per
    generator version into the cache and copied to ``folder``: name -> file."""
    cached = _cached("issued-scans", "body-only.jpg",
                     lambda out: generator().issued_scans(out))
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for scan in sorted(cached.glob("*.jpg")):
        paths[scan.stem] = Path(shutil.copy(scan, folder / scan.name))
    return paths


def sealed_pages() -> Path:
    """The folder of ``samples/gen_scans.py --sealed``: seal01..06 at 200 and 300 dpi
    (``sealNN-DPI.jpg``: Decree 30 pages with red seals, 05 and 06 received letters with a
    "ĐẾN" stamp and a red-pen note) and the two-column bulletins (``bulletin-300.png``,
    ``bulletin-narrow-300.png``), each with ``.gt.txt``, ``.gt_rows.txt``, ``.meta.json``."""
    def make(out: Path) -> None:
        module = generator()
        module.seal_pages(out)
        module.bulletin_pages(out)

    return _cached("sealed-pages", "bulletin-narrow-300.meta.json", make)


def textless_page(path: Path, *, seed: int = 7) -> Path:
    """An A4 page at 200 dpi of drawn rings: plenty of ink, no text. The OCR quality gate
    fails it (no text recognized, or garbage at very low confidence), as it fails a
    photograph or a page read in the wrong script."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y, r = rng.randrange(100, 1500), rng.randrange(100, 2200), rng.randrange(30, 200)
        draw.ellipse((x - r, y - r, x + r, y + r), outline=0, width=rng.randrange(3, 15))
    image.save(path, dpi=(200, 200))
    return path
