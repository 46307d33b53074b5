"""The reference pages of the tests and benchmarks: ``samples/gen_scans.py --reference``.

Ten deterministic A4 300-dpi scans of Decree 30 decisions with their ground truth (see the
generator's docstring). They are made once per generator version into the project's ignored
cache folder (``.cache/reference-pages/<hash>/``), under a lock, so test processes and
benchmark runs share one copy.
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


def reference_pages(folder: Path | None = None) -> Path:
    """The folder holding page01..page10 (``.tif``, ``.jpg``, ``.gt.txt``, ``.gt_rows.txt``,
    ``.meta.json``); with ``folder``, a copy there."""
    version = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:12]
    cached = CACHE / "reference-pages" / version
    cached.parent.mkdir(parents=True, exist_ok=True)
    with open(cached.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (cached / "page10.meta.json").is_file():
            partial = cached.with_name(version + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            generator().reference_pages(partial)
            partial.rename(cached)
    if folder is None:
        return cached
    shutil.copytree(cached, folder, dirs_exist_ok=True)
    return folder


def issued_scans(folder: Path) -> dict[str, Path]:
    """The signature-placement scans (``samples/gen_scans.py --issued``: chairman, tight,
    cramped, other-block, body-only; 300 dpi JPEGs, turned 1.5 degrees), made once per
    generator version into the cache and copied to ``folder``: name -> file."""
    version = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:12]
    cached = CACHE / "issued-scans" / version
    cached.parent.mkdir(parents=True, exist_ok=True)
    with open(cached.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cached.is_dir():
            partial = cached.with_name(version + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            generator().issued_scans(partial)
            partial.rename(cached)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for scan in sorted(cached.glob("*.jpg")):
        paths[scan.stem] = Path(shutil.copy(scan, folder / scan.name))
    return paths
