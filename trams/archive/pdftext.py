"""The text layer of a PDF, through poppler's ``pdftotext`` (the index's fallback when a
document has no sidecar text in its bag)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from trams.errors import DependencyError, InputError
from trams.i18n import _

log = logging.getLogger(__name__)
TIMEOUT = 120.0


def pdftotext() -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise DependencyError(_("pdftotext is not installed"),
                              hint=_("Install poppler-utils (Debian: apt-get install "
                                     "poppler-utils)."), code="pdftotext_missing")
    return exe


def pdf_text(pdf: Path, *, timeout: float = TIMEOUT) -> str:
    """All the text of ``pdf`` (pages separated by form feeds), UTF-8."""
    try:
        done = subprocess.run([pdftotext(), "-q", "-enc", "UTF-8", str(pdf), "-"],
                              capture_output=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise InputError(_("reading the text of the PDF took more than {seconds} s",
                           seconds=int(timeout)), path=pdf, code="pdf_text_timeout") from None
    if done.stderr:
        log.debug("pdftotext %s: %s", pdf, done.stderr.decode(errors="replace").strip())
    if done.returncode != 0:
        raise InputError(_("cannot read the text of the PDF (pdftotext exit {code})",
                           code=done.returncode), path=pdf,
                         hint=_("Run `trams archive check` on the archive."),
                         code="pdf_text_unreadable")
    return done.stdout.decode("utf-8", errors="replace")
