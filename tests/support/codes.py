"""The machine codes TRAMS's source gives its errors, warnings, notes and events, found by
reading the source (so a code cannot be used without being seen here). docs/codes.md is
the registry they are checked against (tests/test_codes.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("trams", "scanning", "signing", "app", "cli")
CODE_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _constant(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) \
        else None


def _is_error(name: str) -> bool:
    return name.endswith(("Error", "Refused"))


CODE_CALLS = ("emit", "Notice", "__init__")  # besides error classes, calls with a code=


def _table(value: ast.AST) -> str | None:
    """``NAME`` of ``NAME[key]`` or ``NAME.get(key, ...)``: a table of codes."""
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
        return value.value.id
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
            value.func.attr == "get" and isinstance(value.func.value, ast.Name):
        return value.func.value.id
    return None


def _fallback(value: ast.AST) -> str | None:
    """The default of ``getattr(x, "code", "warning")`` (an object's own code, else this)."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
            value.func.id == "getattr" and len(value.args) == 3 and \
            _constant(value.args[1]) == "code":
        return _constant(value.args[2])
    return None


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8")))
            for folder in SOURCE_DIRS for path in sorted((ROOT / folder).rglob("*.py"))]


def _call_name(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else \
        node.func.attr if isinstance(node.func, ast.Attribute) else ""


def _code_values(tree: ast.Module) -> list[tuple[ast.AST, ast.AST]]:
    """(node, value) of every place a code is given: ``code=`` of an error, a Notice or an
    event; ``"code": value`` in a dict; the code argument of ``coded`` and ``Notice``."""
    out: list[tuple[ast.AST, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if _is_error(name) or name in CODE_CALLS:
                out += [(node, kw.value) for kw in node.keywords if kw.arg == "code"]
            if name == "coded" and node.args:
                out.append((node, node.args[0]))
            if name == "Notice" and len(node.args) > 1:
                out.append((node, node.args[1]))
        elif isinstance(node, ast.Dict):
            out += [(node, v) for k, v in zip(node.keys, node.values, strict=True)
                    if k is not None and _constant(k) == "code"]
        elif isinstance(node, ast.ClassDef) and _is_error(node.name):
            for item in node.body:
                if isinstance(item, ast.Assign | ast.AnnAssign) and item.value is not None:
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                        out.append((item, item.value))
    return out


def source_codes() -> dict[str, list[str]]:
    """code -> where it is given (``file:line``), for every code in the source: literals,
    and the values of the tables (``NAME[key]``) codes are looked up in."""
    found: dict[str, list[str]] = {}
    trees = _trees()
    tables: set[str] = set()
    for path, tree in trees:
        for node, value in _code_values(tree):
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            literal = _constant(value) or _fallback(value)
            if literal is not None:
                found.setdefault(literal, []).append(where)
            elif _table(value):
                tables.add(_table(value))
    for path, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and \
                    any(isinstance(t, ast.Name) and t.id in tables for t in node.targets):
                for value in node.value.values:
                    if _constant(value) is not None:
                        found.setdefault(_constant(value), []).append(
                            f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def computed_codes() -> list[str]:
    """Codes given as anything but a literal or a look-up in a table of literals: a code
    computed from something else (a message, a number) could change unseen."""
    bad = []
    for path, tree in _trees():
        for node, value in _code_values(tree):
            if isinstance(value, ast.Constant) and value.value is None:
                continue  # no code of its own: the class's
            if _constant(value) is None and _table(value) is None and \
                    _fallback(value) is None and \
                    not (isinstance(value, ast.Attribute) and value.attr == "code"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(value)}")
    return bad


def documented_codes() -> dict[str, str]:
    """code -> its row in docs/codes.md (rows of the tables: | `code` | ... |)."""
    rows = {}
    for line in (ROOT / "docs" / "codes.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*`([^`]+)`\s*\|", line)
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} is listed twice"
            rows[match.group(1)] = line
    return rows
