"""The external decoders that images inside PDFs may need, and what to say when one is
missing.

- ``jbig2dec`` (JBIG2, what many office scanners write): pikepdf runs it through the
  decoder object set here, with a timeout, so a hostile stream cannot hang a worker.
- OpenJPEG inside Pillow (JPEG 2000): checked when such an image is met.

A missing decoder is a problem of the machine, not of the document: it raises
:class:`~trams.errors.DependencyError` (exit code 6), naming the program and how to install
it, and the batch stops instead of failing every document that needs it.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from functools import cache

import pikepdf
import pikepdf.jbig2
from PIL import features

from trams.errors import DependencyError, InputError
from trams.i18n import _

JBIG2_TIMEOUT = 120.0  # seconds for one page image


def missing_jbig2dec() -> DependencyError:
    return DependencyError(
        _("the JBIG2 decoder jbig2dec is not installed (needed for JBIG2 images in PDFs)"),
        hint=_("Install it with: sudo apt install jbig2dec"), code="jbig2dec_missing")


@cache
def use_jbig2dec() -> None:
    """Make pikepdf decode JBIG2 with ``jbig2dec`` under a timeout (once per process)."""
    run = functools.partial(subprocess.run, timeout=JBIG2_TIMEOUT)
    pikepdf.jbig2.set_decoder(pikepdf.jbig2.JBIG2Decoder(subprocess_run=run))


def check_jbig2dec() -> None:
    if shutil.which("jbig2dec") is None:
        raise missing_jbig2dec()


def check_openjpeg() -> None:
    if not features.check_codec("jpg_2000"):
        raise DependencyError(
            _("this Pillow cannot decode JPEG 2000 images (built without OpenJPEG)"),
            hint=_("Reinstall TRAMS's Python packages (pip install --force-reinstall pillow) "
                   "or install libopenjp2-7 and rebuild Pillow."), code="jpeg2000_unsupported")


def timed_out(path, number: int) -> InputError:
    return InputError(
        _("decoding the image of page {number} took longer than {seconds} s",
          number=number, seconds=round(JBIG2_TIMEOUT)),
        path=path, hint=_("Export the scan from the scanner as TIFF or JPEG instead."),
        code="decode_timeout")
