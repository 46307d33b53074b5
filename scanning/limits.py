"""What makes a scan file unacceptable before it is decoded: size limits, and the error
for a file that is damaged (shared by the image and the PDF readers)."""

from __future__ import annotations

from pathlib import Path

from trams.errors import InputError
from trams.i18n import _

# An A3 page at 600 dpi is 70 Mpx; more than twice that is a decompression bomb, not a scan.
MAX_PIXELS = 150_000_000


def damaged(path: Path, reason: str) -> InputError:
    return InputError(_("the file is damaged or not a readable scan ({reason})", reason=reason),
                      path=path,
                      hint=_("Copy it again from the scanner or scan the paper again."))


def too_large(path: Path, width: int, height: int) -> InputError:
    return InputError(
        _("the image is {width} x {height} pixels, too large to be a page scan",
          width=width, height=height),
        path=path,
        hint=_("This may be a decompression bomb; scan the page again at 200-600 dpi."))
