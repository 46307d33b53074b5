"""TRAMS command line (installed as ``trams.cli``): parse, call the library, render, exit.

Only this package imports typer and rich.
"""
