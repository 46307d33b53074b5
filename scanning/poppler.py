"""The one module that runs poppler's ``pdftoppm``: render a PDF page to pixels.

Used only for scanned pages that are not one image (several images layered or in strips,
masks, overprinted separations): there, the page as a viewer shows it is the scan.
Keyword-only arguments, an explicit timeout, stderr logged, the output checked.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image
from trams.scanning.limits import pillow_limit

from trams.errors import DependencyError, InputError
from trams.i18n import _

log = logging.getLogger(__name__)
TIMEOUT = 180.0


def _program() -> str:
    found = shutil.which("pdftoppm")
    if not found:
        raise DependencyError(_("the program pdftoppm was not found"),
                              hint=_("Install it with: sudo apt install poppler-utils"),
                              code="pdftoppm_missing")
    return found


def render_page(path: Path, *, index: int, dpi: float, gray: bool,
                timeout: float = TIMEOUT) -> Image.Image:
    """Page ``index`` (0-based) of ``path`` at ``dpi``, in gray or colour, without any
    invisible text (a viewer does not show it either)."""
    number = index + 1
    with tempfile.TemporaryDirectory(prefix="trams-render-") as tmp:
        stem = Path(tmp) / "page"
        args = [_program(), "-f", str(number), "-l", str(number), "-r", f"{dpi:.2f}",
                "-singlefile", "-gray" if gray else "-png", str(path), str(stem)]
        if not gray:
            args.remove("-png")
        try:
            proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(_("rendering page {number} took longer than {seconds} s",
                               number=number, seconds=round(timeout)), path=path,
                             hint=_("Export the scan from the scanner as TIFF or JPEG "
                                    "instead."), code="page_render_timeout") from None
        for line in proc.stderr.decode("utf-8", "replace").splitlines():
            log.debug("pdftoppm: %s", line)
        out = stem.with_suffix(".pgm" if gray else ".ppm")
        if proc.returncode != 0 or not out.is_file():
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(_("cannot render page {number} ({reason})", number=number,
                               reason=detail[-1] if detail else proc.returncode),
                             path=path,
                             hint=_("Export the scan from the scanner as TIFF or JPEG "
                                    "instead."), code="page_render_failed")
        with pillow_limit(), Image.open(out) as image:
            image.load()
            return image.copy()
