"""Find the documents in the inputs: one per file, one per folder, or split at cover sheets.

Unreadable files become :class:`~trams.models.InputFailure` records (file named, what to
do); they never stop the other documents. Hidden files and folders (``.done``) and files
that are not scans (``.txt`` ground truth, ``.json``) inside folders are ignored; a non-scan
file named explicitly is a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from trams.scanning.coversheet import CoverSheet, find_coversheet
from trams.scanning.ingest import is_scan, load_page, source_pages

from trams.errors import InputError, TramsError
from trams.i18n import _
from trams.models import Discovery, DocumentSource, InputFailure, SourcePage

Grouping = Literal["file", "folder", "coversheet"]


def natural_key(path: Path) -> tuple:
    """``page2`` before ``page10``; case-insensitive; digits compared as numbers."""
    parts = re.split(r"(\d+)", str(path).casefold())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _expand(inputs: Sequence[Path]) -> Iterator[tuple[Path, bool]]:
    """(file, named explicitly) in natural order; folders walked recursively."""
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            files = [p for p in item.rglob("*") if p.is_file() and not _hidden(p, item)
                     and is_scan(p)]
            for path in sorted(files, key=natural_key):
                yield path, False
        else:
            yield item, True


def _name(path: Path, inputs: Sequence[Path]) -> str:
    for root in inputs:
        root = Path(root)
        if root.is_dir():
            try:
                return str(path.relative_to(root))
            except ValueError:
                continue
    return path.name


def discover(inputs: Sequence[Path], *, grouping: Grouping = "file",
             default_dpi: float | None = None) -> Discovery:
    """Group the scans in ``inputs`` (files and folders) into documents."""
    if grouping == "coversheet":
        return _by_coversheet(inputs, default_dpi)
    documents: list[DocumentSource] = []
    failures: list[InputFailure] = []
    if grouping == "file":
        for path, _explicit in _expand(inputs):
            try:
                documents.append(DocumentSource(name=_name(path, inputs),
                                                pages=source_pages(path)))
            except TramsError as exc:
                failures.append(InputFailure(path, exc))
        return Discovery(tuple(documents), tuple(failures))
    # folder: the files of each folder, in natural order, make one document
    folders: dict[Path, list[Path]] = {}
    for path, explicit in _expand(inputs):
        if explicit:
            folders[path] = [path]
        else:
            folders.setdefault(path.parent, []).append(path)
    for key, files in folders.items():
        pages: list[SourcePage] = []
        broken: list[InputFailure] = []
        for path in files:
            try:
                pages += source_pages(path)
            except TramsError as exc:
                broken.append(InputFailure(path, exc))
        if broken:
            failures += broken
            if key.is_dir():
                failures.append(InputFailure(key, InputError(
                    _("the document in this folder was skipped: {file} cannot be read",
                      file=broken[0].path.name), path=key,
                    hint=_("Fix or replace that file, then run again."))))
            continue
        name = _name(key, inputs) if key.is_dir() else key.name
        if name == ".":
            name = key.name
        documents.append(DocumentSource(name=name, pages=tuple(pages)))
    return Discovery(tuple(documents), tuple(failures))


def _by_coversheet(inputs: Sequence[Path], default_dpi: float | None) -> Discovery:
    documents: list[DocumentSource] = []
    failures: list[InputFailure] = []
    current: CoverSheet | None = None
    sheet_page: SourcePage | None = None
    pages: list[SourcePage] = []
    loose: list[SourcePage] = []  # pages met before the first cover sheet
    broken: InputFailure | None = None

    def close() -> None:
        nonlocal pages, broken
        if current is None:
            pass
        elif broken is not None:
            failures.append(InputFailure(broken.path, InputError(
                _("document {name} was skipped: {file} cannot be read",
                  name=current.document.file_stem(current.record), file=broken.path.name),
                path=broken.path, hint=_("Fix or replace that file, then run again."))))
        elif not pages:
            failures.append(InputFailure(sheet_page.path, InputError(
                _("cover sheet for {name} is followed by no page",
                  name=current.document.file_stem(current.record)),
                path=sheet_page.path,
                hint=_("Scan the document after its cover sheet."))))
        else:
            documents.append(DocumentSource(
                name=current.document.file_stem(current.record), pages=tuple(pages),
                record=current.record, document=current.document,
                dropped_pages=(sheet_page,)))
        pages, broken = [], None

    for path, _explicit in _expand(inputs):
        try:
            file_pages = source_pages(path)
        except TramsError as exc:
            failures.append(InputFailure(path, exc))
            broken = broken or InputFailure(path, exc)
            continue
        for page in file_pages:
            try:
                loaded = load_page(page, default_dpi=default_dpi or 300.0)
                sheet = find_coversheet(loaded.image, path=path)
            except TramsError as exc:
                failures.append(InputFailure(path, exc))
                broken = broken or InputFailure(path, exc)
                break
            if sheet is not None:
                close()
                current, sheet_page = sheet, page
            elif current is None:
                loose.append(page)
            else:
                pages.append(page)
    close()
    if loose:
        failures.insert(0, InputFailure(loose[0].path, InputError(
            _("{count} page(s) come before the first cover sheet and belong to no document",
              count=len(loose)), path=loose[0].path,
            hint=_("Put a cover sheet (trams coversheet) in front of them and scan again, "
                   "or use grouping by file or folder."))))
    return Discovery(tuple(documents), tuple(failures))
