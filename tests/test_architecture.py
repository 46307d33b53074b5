"""The shape of the house: one namespace, imports one way, presentation only in cli/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# folder -> the trams.* packages it may import (besides itself and the core)
ALLOWED = {
    "trams": set(),
    "scanning": set(),
    "signing": set(),
    "cli": {"trams.scanning", "trams.signing", "trams.cli"},
}
LAYERS = ("trams.cli", "trams.scanning", "trams.signing")
PRESENTATION = ("typer", "rich", "click")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def _sources(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", list(ALLOWED))
def test_imports_run_one_way(folder: str) -> None:
    own = {"trams": "trams", "scanning": "trams.scanning", "signing": "trams.signing",
           "cli": "trams.cli"}[folder]
    bad = []
    for path in _sources(folder):
        if path.name == "__main__.py" and folder == "trams":
            continue  # `python -m trams` is an entry point, not library code
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top in ("cli", "signing", "scanning"):
                bad.append(f"{path.relative_to(ROOT)}:{line}: top-level import {name}")
            for layer in LAYERS:
                if (name == layer or name.startswith(layer + ".")) and layer != own \
                        and layer not in ALLOWED[folder]:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {own} imports {name}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("folder", ["trams", "scanning", "signing"])
def test_presentation_only_in_cli(folder: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in _sources(folder)
        for line, name in _imports(path)
        if name.split(".")[0] in PRESENTATION and path.name != "__main__.py"
    ]
    assert not bad, "\n".join(bad)


def test_no_sys_exit_in_library_code() -> None:
    bad = []
    for folder in ("trams", "scanning", "signing"):
        for path in _sources(folder):
            text = path.read_text(encoding="utf-8")
            if "sys.exit(" in text and path.name != "__main__.py":
                bad.append(str(path.relative_to(ROOT)))
    assert not bad, bad
