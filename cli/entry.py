"""The ``trams`` program's entry point: nothing is imported until it runs.

The OCR workers of a run are started fresh (``spawn``, :mod:`trams.scanning.pool`), and
Python's multiprocessing has each of them import the parent's main script first: for the
installed ``trams`` program, the script pip writes, whose one import is this module. Kept
bare, it costs a worker nothing; pointing the script at :mod:`trams.cli.main` would load
the whole command line (typer, rich, pyHanko, ...) into every worker.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    from trams.cli.main import main as run_cli  # start-up: see the module's docstring

    run_cli(argv)
