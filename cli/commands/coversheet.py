"""`trams coversheet`: not registered yet (see the issue that builds it)."""

import typer


def register(app: typer.Typer) -> None:
    return None
