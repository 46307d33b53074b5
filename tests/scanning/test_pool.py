"""The local page pool: workers started fresh (spawn) that load only what reading a page
needs, not the run's signing, archive and command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from trams.scanning.options import ScanOptions
from trams.scanning.pool import ProcessPagePool

from trams.models import SourcePage

# Loaded by a run's main process, never needed to read a page.
NOT_FOR_PAGES = ("pikepdf", "pydantic", "pyhanko", "cryptography", "typer", "click", "rich",
                 "tantivy", "trams.signing", "trams.archive", "trams.config", "trams.cli",
                 "trams.app", "trams.metadata", "trams.pipeline")


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith(NOT_FOR_PAGES)]


def test_a_worker_loads_only_what_reading_a_page_needs(ref_pages: Path, tmp_path) -> None:
    pool = ProcessPagePool(1)
    try:
        outcome = pool.submit(SourcePage(ref_pages / "page01.tif", 0), tmp_path / "p1",
                              ScanOptions()).result()
        modules = pool.executor.submit(eval, "sorted(__import__('sys').modules)").result()
    finally:
        pool.close()
    assert outcome.error is None and outcome.page is not None and outcome.page.lines
    assert "trams.scanning.worker" in modules and "tesserocr" in modules
    assert _heavy(modules) == []


def test_the_programs_script_run_again_in_each_worker_loads_nothing() -> None:
    """multiprocessing's spawn runs the parent's main script again in every worker
    (``runpy.run_path(script, run_name="__mp_main__")``): for the installed `trams`
    program, that script imports trams.cli.entry alone."""
    program = Path(sys.executable).with_name("trams")
    assert program.exists(), "the test environment installs the trams program"
    probe = (f"import runpy, sys; runpy.run_path({str(program)!r}, run_name='__mp_main__'); "
             "print(' '.join(sorted(sys.modules)))")
    modules = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             timeout=60, check=True).stdout.split()
    assert "trams.cli.entry" in modules  # and its package's bare __init__
    assert _heavy([m for m in modules if m not in ("trams.cli", "trams.cli.entry")]) == []


def test_a_page_relays_library_warnings_not_developer_ones() -> None:
    """What a page warns goes home with it and on to the run's log: a library's warning
    about the file (Pillow's) does, an unclosed file or a deprecation does not."""
    import warnings

    from trams.scanning.worker import _collected

    with _collected() as lines:
        warnings.warn("unclosed file", ResourceWarning, stacklevel=1)
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
        warnings.warn("Tag data larger than the file", UserWarning, stacklevel=1)
    assert [line.message.split(": ", 1)[1].split("\n")[0] for line in lines] == [
        "UserWarning: Tag data larger than the file"]
