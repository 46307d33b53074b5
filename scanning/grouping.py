"""Find the documents in the inputs: one per file, one per folder, or split at cover sheets.

Unreadable files become :class:`~trams.models.InputFailure` records (file named, what to
do); they never stop the other documents. Hidden files and folders (``.done``) and files
that are not scans (``.txt`` ground truth, ``.json``) inside folders are ignored, except
photos and office documents in formats TRAMS does not read (HEIC, DOCX: a clerk meant
them as documents), which fail with what to do; a non-scan file named explicitly is a
failure.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from trams.scanning.coversheet import CoverSheet, find_coversheet, looks_like_coversheet
from trams.scanning.ingest import ScanFile, inspect_file, is_scan, load_page, not_read

from trams.errors import InputError, TramsError
from trams.fs import input_error
from trams.i18n import _
from trams.models import Discovery, DocumentSource, InputFailure, SourcePage

log = logging.getLogger(__name__)

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
                          path=path, hint=_("Copy the file itself into the inbox."),
                          code="symlink_outside")
    return InputError(
        _("this is a symbolic link; links in the inbox are not read"), path=path,
        hint=_("Copy the file itself into the inbox, or allow links that stay inside it "
               "with [inbox] follow_symlinks = true."), code="symlink_refused")


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
                        if refusal := not_read(path):
                            found.append((path, refusal))
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
                                             hint=_("Remove it from the inbox."),
                                             code="not_regular_file")))
                elif refusal := not_read(path):  # a photo or Word file: named, not ignored
                    found.append((path, refusal))
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


def _name(path: Path, inputs: Sequence[Path]) -> str:
    for root in inputs:
        root = Path(root)
        if root.is_dir():
            try:
                return str(path.relative_to(root))
            except ValueError:
                continue
    return path.name


def _inspect(path: Path, default_dpi: float | None, keep_ocr_layer: bool,
             refusal: TramsError | None = None) -> ScanFile:
    """:func:`inspect_file`, with any failure of a library on a hostile file turned into
    this file's InputError (the others go on); ``refusal``: why discovery refused the file
    (a symbolic link), raised instead."""
    if refusal is not None:
        raise refusal
    try:
        return inspect_file(path, default_dpi=default_dpi, keep_ocr_layer=keep_ocr_layer)
    except TramsError:
        raise
    except MemoryError:
        raise InputError(_("not enough memory to read the file"), path=path,
                         hint=_("Scan it again at a lower resolution."),
                         code="out_of_memory") from None
    except Exception as exc:  # noqa: BLE001 - a reader failing on odd bytes: this file only
        log.exception("unexpected error reading %s", path)
        raise InputError(_("the file cannot be read ({reason})",
                           reason=f"{type(exc).__name__}: {exc}"[:200]), path=path,
                         hint=_("Check the file; if it opens elsewhere, please report it with "
                                "the output of --verbose."), code="input_unreadable") from None


def discover(inputs: Sequence[Path], *, grouping: Grouping = "file",
             default_dpi: float | None = None, keep_ocr_layer: bool = False,
             links: Links = "refuse") -> Discovery:
    """Group the scans in ``inputs`` (files and folders) into documents; symbolic links in
    folders as ``links`` says (refused by default).

    A PDF with text to keep (:attr:`DocumentSource.born_digital`) is always a document of
    its own: it is converted as it is, never merged with scans.
    """
    if grouping == "coversheet":
        return _by_coversheet(inputs, default_dpi, keep_ocr_layer, links)
    documents: list[DocumentSource] = []
    failures: list[InputFailure] = []
    if grouping == "file":
        for path, _explicit, error in _expand(inputs, links=links, failures=failures):
            try:
                info = _inspect(path, default_dpi, keep_ocr_layer, error)
            except TramsError as exc:
                failures.append(InputFailure(path, exc))
                continue
            documents.append(DocumentSource(name=_name(path, inputs),
                                            pages=info.source_pages(),
                                            born_digital=info.born_digital))
        return Discovery(tuple(documents), tuple(failures))
    # folder: the files of each folder, in natural order, make one document
    folders: dict[Path, list[tuple[Path, TramsError | None]]] = {}
    for path, explicit, error in _expand(inputs, links=links, failures=failures):
        if explicit:
            folders[path] = [(path, error)]
        else:
            folders.setdefault(path.parent, []).append((path, error))
    for key, files in folders.items():
        infos: list[ScanFile] = []
        broken: list[InputFailure] = []
        for path, error in files:
            try:
                infos.append(_inspect(path, default_dpi, keep_ocr_layer, error))
            except TramsError as exc:
                broken.append(InputFailure(path, exc))
        digital = [i for i in infos if i.born_digital]
        if broken:
            failures += broken
            if key.is_dir():
                failures.append(InputFailure(key, InputError(
                    _("the document in this folder was skipped: {file} cannot be read",
                      file=broken[0].path.name), path=key,
                    hint=_("Fix or replace that file, then run again."),
                    code="folder_file_unreadable")))
            continue
        if digital and len(infos) > 1:
            failures.append(InputFailure(key, InputError(
                _("{file} already has its text and is kept as it is, so it cannot be joined "
                  "with the other files of its folder into one document",
                  file=digital[0].path.name), path=key,
                hint=_("Put it in a folder of its own, or give TRAMS scans only."),
                code="born_digital_in_folder")))
            continue
        name = _name(key, inputs) if key.is_dir() else key.name
        if name == ".":
            name = key.name
        pages = tuple(page for info in infos for page in info.source_pages())
        documents.append(DocumentSource(name=name, pages=pages, born_digital=bool(digital)))
    return Discovery(tuple(documents), tuple(failures))


def _by_coversheet(inputs: Sequence[Path], default_dpi: float | None,
                   keep_ocr_layer: bool, links: Links) -> Discovery:
    """Split the scans at cover sheets.

    A page that looks like a cover sheet (a large QR-like region) but does not decode
    makes its file an entry for review: every document with a page in that file fails,
    and so do the pages after it up to the next readable sheet, rather than being joined
    to the wrong document. A PDF with text to keep is a document of its own.
    """
    documents: list[DocumentSource] = []
    failures: list[InputFailure] = []
    current: CoverSheet | None = None
    sheet_page: SourcePage | None = None
    pages: list[SourcePage] = []
    loose: list[SourcePage] = []  # pages met before the first cover sheet
    broken: InputFailure | None = None
    suspect: dict[Path, InputError] = {}  # files with an unreadable cover sheet
    lost = False  # after an unreadable cover sheet, until the next readable one

    def close() -> None:
        nonlocal pages, broken
        if current is None:
            pass
        elif broken is not None:
            failures.append(InputFailure(broken.path, InputError(
                _("document {name} was skipped: {file} cannot be read",
                  name=current.document.file_stem(current.record), file=broken.path.name),
                path=broken.path, hint=_("Fix or replace that file, then run again."),
                code="document_file_unreadable")))
        elif not pages:
            failures.append(InputFailure(sheet_page.path, InputError(
                _("cover sheet for {name} is followed by no page",
                  name=current.document.file_stem(current.record)),
                path=sheet_page.path,
                hint=_("Scan the document after its cover sheet."),
                code="coversheet_without_pages")))
        else:
            documents.append(DocumentSource(
                name=current.document.file_stem(current.record), pages=tuple(pages),
                record=current.record, document=current.document,
                dropped_pages=(sheet_page,)))
        pages, broken = [], None

    for path, _explicit, error in _expand(inputs, links=links, failures=failures):
        try:
            info = _inspect(path, default_dpi, keep_ocr_layer, error)
        except TramsError as exc:
            failures.append(InputFailure(path, exc))
            broken = broken or InputFailure(path, exc)
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
                failures.append(InputFailure(path, exc))
                broken = broken or InputFailure(path, exc)
                break
            if unreadable:
                lost = True  # the pages up to the next readable sheet belong to nothing
                suspect.setdefault(path, InputError(
                    _("page {number} looks like a cover sheet but its QR code cannot be "
                      "read, so TRAMS cannot tell which document the pages belong to",
                      number=page.index + 1), path=path,
                    hint=_("Print the cover sheet again (trams coversheet), put it in "
                           "place of the damaged one and scan the batch again."),
                           code="coversheet_unreadable"))
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
        failures.insert(0, InputFailure(loose[0].path, InputError(
            _("{count} page(s) come before the first cover sheet and belong to no document",
              count=len(loose)), path=loose[0].path,
            hint=_("Put a cover sheet (trams coversheet) in front of them and scan again, "
                   "or use grouping by file or folder."), code="pages_before_coversheet")))
    if suspect:
        kept = []
        for document in documents:
            files = dict.fromkeys(p.path for p in (*document.dropped_pages, *document.pages))
            tainted = [f for f in files if f in suspect]
            if tainted:  # every file of the document, so none is settled as done
                failures += [InputFailure(f, InputError(
                    _("document {name} was not made: {file} has an unreadable cover sheet",
                      name=document.name, file=tainted[0].name), path=f,
                    hint=_("Print the cover sheet again (trams coversheet), put it in place "
                           "of the damaged one and scan the batch again."),
                           code="coversheet_unreadable")) for f in files]
            else:
                kept.append(document)
        documents = kept
        failures += [InputFailure(path, error) for path, error in suspect.items()]
    return Discovery(tuple(documents), tuple(failures))
