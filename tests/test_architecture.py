"""The shape of the house: one namespace, imports one way, no cycles, presentation only in
cli/, and a repository that reads nothing outside itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# folder -> its package
PACKAGES = {"trams": "trams", "app": "trams.app", "scanning": "trams.scanning",
            "signing": "trams.signing", "cli": "trams.cli", "samples": "trams.samples"}
# package -> the trams.* layers above the core it may import (besides itself and the core)
ALLOWED = {
    "trams": set(),
    "trams.samples": set(),
    "trams.scanning": set(),
    "trams.signing": set(),
    "trams.app": {"trams.scanning", "trams.signing"},
    "trams.cli": {"trams.app"},
}
LAYERS = ("trams.cli", "trams.app", "trams.scanning", "trams.signing")
PRESENTATION = ("typer", "rich", "click")


def _module_name(path: Path) -> str:
    folder = path.relative_to(ROOT).parts[0]
    parts = [PACKAGES[folder], *path.relative_to(ROOT / folder).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, runtime_only: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every import; ``runtime_only`` leaves out ``if TYPE_CHECKING:``
    blocks (they never run, so they cannot make a cycle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skip |= {id(n) for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


def _sources(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


def _layer(module: str) -> str:
    for layer in (*LAYERS, "trams.samples"):
        if module == layer or module.startswith(layer + "."):
            return layer
    return "trams"


@pytest.mark.parametrize("folder", [f for f in PACKAGES if f != "samples"])
def test_imports_run_one_way(folder: str) -> None:
    own = PACKAGES[folder]
    bad = []
    for path in _sources(folder):
        if path.name == "__main__.py" and folder == "trams":
            continue  # `python -m trams` is an entry point, not library code
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top in ("cli", "signing", "scanning", "app"):
                bad.append(f"{path.relative_to(ROOT)}:{line}: top-level import {name}")
            layer = _layer(name)
            if name.startswith("trams") and layer not in (own, "trams", "trams.samples") \
                    and layer not in ALLOWED[own]:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {own} imports {name}")
    assert not bad, "\n".join(bad)


def _module_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for folder in PACKAGES for p in _sources(folder)}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for _line, name in _imports(path, runtime_only=True):
            # "from trams.x import y": y may be a module or a name in trams.x
            target = name if name in modules else name.rpartition(".")[0]
            if target in modules and target != module and not module.startswith(target + "."):
                graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_modules() -> None:
    """No module imports (directly or through others) a module that imports it back, with
    imports inside functions counted too: a cycle hidden by a function-local import is
    still a cycle. A package's ``__init__`` re-exporting its modules does not count."""
    graph = _module_graph()
    for module in graph:  # a package may import its own modules (its public API)
        graph[module] = {t for t in graph[module] if not t.startswith(module + ".")}
    assert not _cycles(graph), _cycles(graph)


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("folder", ["trams", "app", "scanning", "signing"])
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
    for folder in ("trams", "app", "scanning", "signing"):
        for path in _sources(folder):
            text = path.read_text(encoding="utf-8")
            if "sys.exit(" in text and path.name != "__main__.py":
                bad.append(str(path.relative_to(ROOT)))
    assert not bad, bad


def test_nothing_reads_outside_the_repository() -> None:
    """No code, test, benchmark or script names a path outside the repository (the shared
    folders of the developers' machines are not on a user's)."""
    outside = re.compile(r"(/work/|\.\./shared|/home/\w+/)")
    folders = [*PACKAGES, "tests", "benchmarks", "scripts"]
    files = [p for f in folders for p in (ROOT / f).rglob("*")
             if p.suffix in (".py", ".sh", ".toml") and p.is_file()]
    files += [ROOT / "Makefile", ROOT / "pyproject.toml"]
    bad = [f"{p.relative_to(ROOT)}:{n}" for p in files
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
           if outside.search(line) and p != Path(__file__)]
    assert not bad, bad


def _local_imports(path: Path) -> list[int]:
    """Lines of imports inside functions (``if TYPE_CHECKING`` blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines |= {sub.lineno for sub in ast.walk(node)
                      if isinstance(sub, (ast.Import, ast.ImportFrom))}
    return sorted(lines)


def test_function_local_imports_say_why() -> None:
    """An import inside a function is there to save start-up time (or to load a heavy
    library only on the path that needs it), and a comment says so: on the import's line,
    on the line above it or the block it opens, or once for the module (``# start-up:``)."""
    bad = []
    for folder in ("trams", "app", "scanning", "signing", "cli"):
        for path in _sources(folder):
            text = path.read_text(encoding="utf-8")
            if re.search(r"^# start-up:", text, re.MULTILINE):
                continue
            lines = text.splitlines()
            for number in _local_imports(path):
                above = lines[number - 2 : number]  # the line above and the import itself
                block = lines[max(0, number - 4) : number]
                if not any("#" in ln for ln in above) and not any(
                        ln.strip().startswith("#") for ln in block):
                    bad.append(f"{path.relative_to(ROOT)}:{number}: {lines[number - 1].strip()}")
    assert not bad, "\n".join(bad)


def test_help_loads_no_heavy_library() -> None:
    """`trams --help` (and every command's start) pays only for the CLI: the app layer, the
    scanning and signing packages and their libraries load when a command runs."""
    import subprocess
    import sys

    probe = ("import sys\nsys.argv = ['trams', '--help']\nfrom trams.cli.main import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    loaded = set(done.stderr.split())
    assert "trams.cli.root" in loaded  # the probe ran the real entry point
    heavy = ("trams.app", "trams.scanning", "trams.signing", "trams.config", "pyhanko",
             "pikepdf", "pydantic", "numpy", "PIL")
    bad = sorted(m for m in loaded if m.split(".")[0] in heavy or m.startswith(heavy))
    assert not bad, bad
