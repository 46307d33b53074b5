"""Settling inbox entries after a run: ``.done/`` once archived, ``.failed/`` with a reason.

An entry (a scan file, or a document's folder with folder grouping) is moved only when
every document made from it is settled, and to ``.done/`` only after each of them is
committed to the archive. Moves are renames inside the inbox (same file system, atomic);
the relative path is kept (``inbox/a/b.tif`` -> ``inbox/.done/a/b.tif``) and an existing
name is never replaced (`` (2)``, `` (3)``... are added).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from trams.errors import TramsError
from trams.fs import atomic_write_bytes, storage_error
from trams.i18n import _

DONE_DIR = ".done"
FAILED_DIR = ".failed"
REASON_SUFFIX = ".reason.txt"


def _free_name(path: Path) -> Path:
    if not path.exists() and not path.is_symlink():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}") if path.suffix \
            else path.with_name(f"{path.name} ({n})")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
    raise FileExistsError(path)


def move_into(unit: Path, inbox: Path, folder: str) -> Path:
    """Rename ``unit`` to ``inbox/<folder>/<its path relative to inbox>``; the new path."""
    try:
        relative = unit.relative_to(inbox)
    except ValueError:
        relative = Path(unit.name)  # an input given outside the inbox: keep its name only
    target = _free_name(inbox / folder / relative)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(unit, target)
    except OSError as exc:
        raise storage_error(exc, unit) from None
    return target


def reason_text(unit: Path, failures: list[tuple[str, TramsError]], *, inbox: Path,
                archived: list[str]) -> str:
    """What a clerk reads in ``.failed/NAME.reason.txt`` (in the run's language)."""
    lines = [_("TRAMS could not process {name} ({time}).", name=unit.name,
               time=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")), ""]
    for name, error in failures:
        lines.append(_("Document: {name}", name=name))
        lines.append(_("Problem: {message}", message=error.message.rstrip(".")))
        if error.path is not None:
            lines.append(_("File: {path}", path=error.path))
        if error.hint:
            lines.append(_("What to do: {hint}", hint=error.hint))
        lines.append("")
    if archived:
        lines.append(_("Already archived from this entry (they will be skipped next time): "
                       "{names}", names=", ".join(archived)))
        lines.append("")
    lines.append(_("When it is fixed, put it back into {inbox} and run TRAMS again.",
                   inbox=inbox))
    return "\n".join(lines) + "\n"


def move_failed(unit: Path, inbox: Path, text: str) -> Path:
    """Move ``unit`` into ``.failed/`` and write its reason file beside it."""
    target = move_into(unit, inbox, FAILED_DIR)
    atomic_write_bytes(target.with_name(target.name + REASON_SUFFIX), text.encode("utf-8"))
    return target


def waiting_in_failed(inbox: Path) -> int:
    """How many inputs wait in ``inbox/.failed`` for a clerk (their reason files aside)."""
    try:
        return sum(1 for entry in (inbox / FAILED_DIR).iterdir()
                   if not entry.name.endswith(REASON_SUFFIX))
    except OSError:
        return 0
