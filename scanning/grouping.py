"""Find the documents in the inputs: one per file, one per folder, or split at cover sheets.

Unreadable files become :class:`~trams.models.InputFailure` records (file named, what to
do); they never stop the other documents. Hidden files and folders (``.done``) and files
that are not scans (``.txt`` ground truth, ``.json``) inside folders are ignored; a non-scan
file named explicitly is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from trams.scanning.coversheet import CoverSheet, find_coversheet
from trams.scanning.ingest import is_scan, load_page, source_pages

from trams.errors import InputError, TramsError
from trams.fs import input_error
from trams.i18n import _
from trams.models import Discovery, DocumentSource, InputFailure, SourcePage

Grouping = Literal["file", "folder", "coversheet"]
# Symbolic links met in a folder: "refuse" them (the inbox, by default), read those that
# stay "inside" it ([inbox] follow_symlinks = true), or "follow" them as the user's own
# files (`trams ocr` on a folder named on its command line, nothing moved afterwards).
Links = Literal["refuse", "inside", "follow"]


def natural_key(path: Path) -> tuple:
    """``page2`` before ``page10``; case-insensitive; digits compared as numbers."""
    parts = re.split(r"(\d+)", str(path).casefold())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def _refused_link(path: Path, *, outside: bool) -> InputError:
    if outside:
        return InputError(_("this symbolic link does not lead to a scan inside the inbox; "
                            "it is not read"),
                          path=path, hint=_("Copy the file itself into the inbox."))
    return InputError(
        _("this is a symbolic link; links in the inbox are not read"), path=path,
        hint=_("Copy the file itself into the inbox, or allow links that stay inside it "
               "with [inbox] follow_symlinks = true."))


def _inside(real: str, real_root: str) -> bool:
    if os.path.commonpath([real_root, real]) != real_root or real == real_root:
        return False
    return not any(part.startswith(".") for part in Path(real).relative_to(real_root).parts)


Entry = tuple[Path, bool, TramsError | None]  # file, named explicitly, why refused


def _walk(root: Path, links: Links, failures: list[InputFailure]
          ) -> list[tuple[Path, TramsError | None]]:
    """The scans under ``root`` in natural order, hidden entries left out.

    A link (to a scan or a folder) is refused with ``links="refuse"``; with "inside" a link
    to a scan is read only when the scan is inside ``root`` and not hidden (a link to a
    folder is still refused: what is found through it could not be moved out of the inbox
    without following the link); with "follow" it is read wherever it points. A
    scan-named entry that is no regular file (a FIFO would block its reader forever) is
    refused. Refused files come back with their error, in their place (a folder or
    cover-sheet document holding one fails); refused folders go to ``failures``.
    """
    real_root = os.path.realpath(root)
    seen = {real_root}
    found: list[tuple[Path, TramsError | None]] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            failures.append(InputFailure(folder, input_error(exc, folder)))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    real = os.path.realpath(path)
                    is_dir = os.path.isdir(real)
                    if not is_dir and not is_scan(path):
                        continue  # not a scan: ignored like any other such file
                    refused = links == "refuse" or (links == "inside" and (
                        is_dir or not _inside(real, real_root)))
                    if is_dir and refused:
                        failures.append(InputFailure(path, _refused_link(
                            path, outside=links != "refuse")))
                    elif is_dir:
                        if real not in seen:
                            seen.add(real)
                            folders.append(path)
                    elif refused or not os.path.isfile(real):
                        found.append((path, _refused_link(path, outside=links != "refuse")))
                    else:
                        found.append((path, None))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(path)
                elif is_scan(path):
                    found.append((path, None if entry.is_file(follow_symlinks=False) else
                                  InputError(_("this is not a regular file (a pipe, socket "
                                               "or device)"), path=path,
                                             hint=_("Remove it from the inbox."))))
            except OSError as exc:
                found.append((path, input_error(exc, path)))
    return sorted(found, key=lambda item: natural_key(item[0]))


def _expand(inputs: Sequence[Path], *, links: Links,
            failures: list[InputFailure]) -> Iterator[Entry]:
    """(file, named explicitly, refusal) in natural order; folders walked recursively
    (folders that cannot be used go to ``failures``). A file named explicitly on the
    command line is used as given."""
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            for path, error in _walk(item, links, failures):
                yield path, False, error
        else:
            yield item, True, None


def _pages(path: Path, error: TramsError | None) -> tuple[SourcePage, ...]:
    if error is not None:
        raise error
    return source_pages(path)


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
             default_dpi: float | None = None, links: Links = "refuse") -> Discovery:
    """Group the scans in ``inputs`` (files and folders) into documents; symbolic links in
    folders as ``links`` says (refused by default)."""
    if grouping == "coversheet":
        return _by_coversheet(inputs, default_dpi, links)
    documents: list[DocumentSource] = []
    failures: list[InputFailure] = []
    if grouping == "file":
        for path, _explicit, error in _expand(inputs, links=links, failures=failures):
            try:
                documents.append(DocumentSource(name=_name(path, inputs),
                                                pages=_pages(path, error)))
            except TramsError as exc:
                failures.append(InputFailure(path, exc))
        return Discovery(tuple(documents), tuple(failures))
    # folder: the files of each folder, in natural order, make one document
    folders: dict[Path, list[tuple[Path, TramsError | None]]] = {}
    for path, explicit, error in _expand(inputs, links=links, failures=failures):
        if explicit:
            folders[path] = [(path, error)]
        else:
            folders.setdefault(path.parent, []).append((path, error))
    for key, files in folders.items():
        pages: list[SourcePage] = []
        broken: list[InputFailure] = []
        for path, error in files:
            try:
                pages += _pages(path, error)
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


def _by_coversheet(inputs: Sequence[Path], default_dpi: float | None,
                   links: Links) -> Discovery:
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

    for path, _explicit, error in _expand(inputs, links=links, failures=failures):
        try:
            file_pages = _pages(path, error)
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
