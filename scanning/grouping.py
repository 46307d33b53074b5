"""Find the documents in the inputs: one per file, one per folder, or split at cover sheets.

Unreadable files become :class:`FileFailure` records (file named, what to do); they never
stop the other documents. Hidden files and folders (``.done``) and files that are not scans
(``.txt`` ground truth, ``.json``) inside folders are ignored; a non-scan file named
explicitly is a failure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from trams.scanning.coversheet import CoverSheet, find_coversheet, looks_like_coversheet
from trams.scanning.ingest import ScanFile, inspect_file, is_scan, load_page

from trams.errors import InputError, TramsError
from trams.i18n import _
from trams.models import DocumentSource, SourcePage

log = logging.getLogger(__name__)

Grouping = Literal["file", "folder", "coversheet"]


@dataclass(frozen=True)
class FileFailure:
    path: Path
    error: TramsError

    @property
    def message(self) -> str:
        return self.error.one_line()

    def to_dict(self) -> dict:
        return {"path": str(self.path), "error": type(self.error).__name__,
                "message": self.error.one_line()}


@dataclass(frozen=True)
class Discovery:
    documents: tuple[DocumentSource, ...]
    failures: tuple[FileFailure, ...] = field(default=())


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


def _inspect(path: Path, default_dpi: float | None, keep_ocr_layer: bool) -> ScanFile:
    """:func:`inspect_file`, with any failure of a library on a hostile file turned into
    this file's InputError (the others go on)."""
    try:
        return inspect_file(path, default_dpi=default_dpi, keep_ocr_layer=keep_ocr_layer)
    except TramsError:
        raise
    except MemoryError:
        raise InputError(_("not enough memory to read the file"), path=path,
                         hint=_("Scan it again at a lower resolution.")) from None
    except Exception as exc:  # noqa: BLE001 - a reader failing on odd bytes: this file only
        log.exception("unexpected error reading %s", path)
        raise InputError(_("the file cannot be read ({reason})",
                           reason=f"{type(exc).__name__}: {exc}"[:200]), path=path,
                         hint=_("Check the file; if it opens elsewhere, please report it with "
                                "the output of --verbose.")) from None


def discover(inputs: Sequence[Path], *, grouping: Grouping = "file",
             default_dpi: float | None = None, keep_ocr_layer: bool = False) -> Discovery:
    """Group the scans in ``inputs`` (files and folders) into documents.

    A PDF with text to keep (:attr:`DocumentSource.born_digital`) is always a document of
    its own: it is converted as it is, never merged with scans.
    """
    if grouping == "coversheet":
        return _by_coversheet(inputs, default_dpi, keep_ocr_layer)
    documents: list[DocumentSource] = []
    failures: list[FileFailure] = []
    if grouping == "file":
        for path, _explicit in _expand(inputs):
            try:
                info = _inspect(path, default_dpi, keep_ocr_layer)
            except TramsError as exc:
                failures.append(FileFailure(path, exc))
                continue
            documents.append(DocumentSource(name=_name(path, inputs),
                                            pages=info.source_pages(),
                                            born_digital=info.born_digital))
        return Discovery(tuple(documents), tuple(failures))
    # folder: the files of each folder, in natural order, make one document
    folders: dict[Path, list[Path]] = {}
    for path, explicit in _expand(inputs):
        if explicit:
            folders[path] = [path]
        else:
            folders.setdefault(path.parent, []).append(path)
    for key, files in folders.items():
        infos: list[ScanFile] = []
        broken: list[FileFailure] = []
        for path in files:
            try:
                infos.append(_inspect(path, default_dpi, keep_ocr_layer))
            except TramsError as exc:
                broken.append(FileFailure(path, exc))
        digital = [i for i in infos if i.born_digital]
        if broken:
            failures += broken
            if key.is_dir():
                failures.append(FileFailure(key, InputError(
                    _("the document in this folder was skipped: {file} cannot be read",
                      file=broken[0].path.name), path=key,
                    hint=_("Fix or replace that file, then run again."))))
            continue
        if digital and len(infos) > 1:
            failures.append(FileFailure(key, InputError(
                _("{file} already has its text and is kept as it is, so it cannot be joined "
                  "with the other files of its folder into one document",
                  file=digital[0].path.name), path=key,
                hint=_("Put it in a folder of its own, or give TRAMS scans only."))))
            continue
        name = _name(key, inputs) if key.is_dir() else key.name
        if name == ".":
            name = key.name
        pages = tuple(page for info in infos for page in info.source_pages())
        documents.append(DocumentSource(name=name, pages=pages, born_digital=bool(digital)))
    return Discovery(tuple(documents), tuple(failures))


def _by_coversheet(inputs: Sequence[Path], default_dpi: float | None,
                   keep_ocr_layer: bool) -> Discovery:
    """Split the scans at cover sheets.

    A page that looks like a cover sheet (a large QR-like region) but does not decode
    makes its file an entry for review: every document with a page in that file fails,
    and so do the pages after it up to the next readable sheet, rather than being joined
    to the wrong document. A PDF with text to keep is a document of its own.
    """
    documents: list[DocumentSource] = []
    failures: list[FileFailure] = []
    current: CoverSheet | None = None
    sheet_page: SourcePage | None = None
    pages: list[SourcePage] = []
    loose: list[SourcePage] = []  # pages met before the first cover sheet
    broken: FileFailure | None = None
    suspect: dict[Path, InputError] = {}  # files with an unreadable cover sheet
    lost = False  # after an unreadable cover sheet, until the next readable one

    def close() -> None:
        nonlocal pages, broken
        if current is None:
            pass
        elif broken is not None:
            failures.append(FileFailure(broken.path, InputError(
                _("document {name} was skipped: {file} cannot be read",
                  name=current.document.file_stem(current.record), file=broken.path.name),
                path=broken.path, hint=_("Fix or replace that file, then run again."))))
        elif not pages:
            failures.append(FileFailure(sheet_page.path, InputError(
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
            info = _inspect(path, default_dpi, keep_ocr_layer)
        except TramsError as exc:
            failures.append(FileFailure(path, exc))
            broken = broken or FileFailure(path, exc)
            continue
        if info.born_digital:
            documents.append(DocumentSource(name=_name(path, inputs),
                                            pages=info.source_pages(), born_digital=True))
            continue
        for page in info.source_pages():
            try:
                loaded = load_page(page, default_dpi=default_dpi or 300.0)
                sheet = find_coversheet(loaded.image, path=path)
                unreadable = sheet is None and looks_like_coversheet(loaded.image,
                                                                     min(loaded.dpi))
            except TramsError as exc:
                failures.append(FileFailure(path, exc))
                broken = broken or FileFailure(path, exc)
                break
            if unreadable:
                lost = True  # the pages up to the next readable sheet belong to nothing
                suspect.setdefault(path, InputError(
                    _("page {number} looks like a cover sheet but its QR code cannot be "
                      "read, so TRAMS cannot tell which document the pages belong to",
                      number=page.index + 1), path=path,
                    hint=_("Print the cover sheet again (trams coversheet), put it in "
                           "place of the damaged one and scan the batch again.")))
                close()
                current = None
                continue
            if sheet is not None:
                close()
                current, sheet_page, lost = sheet, page, False
            elif lost:
                continue  # after an unreadable sheet: part of the entry that failed
            elif current is None:
                loose.append(page)
            else:
                pages.append(page)
    close()
    if loose:
        failures.insert(0, FileFailure(loose[0].path, InputError(
            _("{count} page(s) come before the first cover sheet and belong to no document",
              count=len(loose)), path=loose[0].path,
            hint=_("Put a cover sheet (trams coversheet) in front of them and scan again, "
                   "or use grouping by file or folder."))))
    if suspect:
        kept = []
        for document in documents:
            files = dict.fromkeys(p.path for p in (*document.dropped_pages, *document.pages))
            tainted = [f for f in files if f in suspect]
            if tainted:  # every file of the document, so none is settled as done
                failures += [FileFailure(f, InputError(
                    _("document {name} was not made: {file} has an unreadable cover sheet",
                      name=document.name, file=tainted[0].name), path=f,
                    hint=_("Print the cover sheet again (trams coversheet), put it in place "
                           "of the damaged one and scan the batch again."))) for f in files]
            else:
                kept.append(document)
        documents = kept
        failures += [FileFailure(path, error) for path, error in suspect.items()]
    return Discovery(tuple(documents), tuple(failures))
