"""What `trams run --dry-run` can tell of a document without OCR.

Each page is decoded as the run will decode it (:func:`~trams.scanning.ingest.load_page`:
the same readers, limits and errors), then its resolution is held against the floor; the
first problem is returned with the code and message the run would give it. A damaged file
whose header reads well (a truncated JPEG) is found here, not hours later. Nothing is
written; born-digital PDFs are not recognized and are left to the run.

Also the files discovery leaves aside (:func:`ignored_files`): notes and ground truth
beside the scans, told as left where they are. (A Word file or a photo in HEIC is no such
file: discovery fails it with what to do, :func:`~trams.scanning.ingest.not_read`.)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from trams.scanning.ingest import is_scan, load_page, not_read
from trams.scanning.limits import below_minimum, low_dpi_error
from trams.scanning.options import ScanOptions

from trams.errors import InputError, TramsError
from trams.i18n import _
from trams.models import DocumentSource

log = logging.getLogger(__name__)


def preflight(source: DocumentSource, options: ScanOptions) -> TramsError | None:
    """The first problem the run would meet on ``source`` before OCR, or None."""
    if source.born_digital:
        return None
    for page in source.pages:
        try:
            loaded = load_page(page, default_dpi=options.default_dpi)
        except TramsError as exc:
            return exc
        except MemoryError:
            return InputError(_("not enough memory to read the file"), path=page.path,
                              hint=_("Scan it again at a lower resolution."),
                              code="out_of_memory")
        except Exception as exc:  # noqa: BLE001 - a reader failing on odd bytes: this file
            log.debug("unexpected error reading %s", page.path, exc_info=True)
            return InputError(_("the file cannot be read ({reason})",
                                reason=f"{type(exc).__name__}: {exc}"[:200]), path=page.path,
                              hint=_("Check the file; if it opens elsewhere, please report it "
                                     "with the output of --verbose."), code="input_unreadable")
        try:
            dpi = min(loaded.dpi)
            if below_minimum(dpi, options.min_dpi) and not options.accept_low_dpi:
                return low_dpi_error(page.path, page.index + 1, dpi, options.min_dpi)
        finally:
            loaded.image.close()
    return None


def ignored_files(inputs: Sequence[Path]) -> list[Path]:
    """Files in the input folders that are not scans (``notes.txt``, ``page1.gt.txt``):
    discovery leaves them where they are. Hidden entries (``.done``, ``.failed``) and
    symbolic links are not listed (links are reported by discovery itself)."""
    found: list[Path] = []
    for root in inputs:
        if Path(root).is_dir():
            found += _walk(Path(root))
    return sorted(found)


def _walk(root: Path) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(folder) / name
            if not name.startswith(".") and not is_scan(path) and not path.is_symlink() \
                    and not_read(path) is None:
                yield path
