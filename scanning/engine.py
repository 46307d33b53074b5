"""The OCR engine interface, the two Tesseract engines, and a null engine for fast tests.

- :class:`TesseractApiEngine`: Tesseract's C API through tesserocr, the model loaded once
  per worker (:mod:`.tesseract_api`). The default when the binding runs the installed
  Tesseract.
- :class:`TesseractEngine`: the ``tesseract`` command line, one process per page
  (:mod:`.tesseract`). The fallback where tesserocr cannot be installed.
- :class:`NullEngine`: recognizes nothing, for tests of everything around OCR.

``ScanOptions.engine`` names one: ``"tesseract"`` is the API when it can be used, else the
command line (:func:`choose_tesseract` decides once per process and logs which and why);
``"tesseract-cli"`` forces the command line; ``"null"`` the null engine. Engines are made
inside each worker (:func:`worker_engine`), so nothing unpicklable travels between
processes, and kept there: the model is loaded once per worker, not once per page.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image
from trams.scanning import tesseract, tesseract_api
from trams.scanning.tesseract import Orientation

from trams.models import Line

log = logging.getLogger(__name__)

ENGINES = ("tesseract", "tesseract-cli", "null")


@runtime_checkable
class OcrEngine(Protocol):
    name: str

    def check(self, languages: str) -> None:
        """Raise DependencyError when the engine or a language model is missing."""

    def recognize(self, image: Image.Image, *, dpi: float, languages: str) -> tuple[Line, ...]:
        """Lines of words (Unicode NFC) in reading order, pixel boxes on ``image``."""

    def orientation(self, image: Image.Image, *, dpi: float) -> Orientation:
        """Clockwise right-angle turn that makes the page upright, with a confidence."""


def _osd_view(image: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    """OSD reads a half-size copy just as well, in about half the time."""
    if dpi >= 250 and min(image.size) >= 400:
        return (image.convert("L") if image.mode == "1" else image).reduce(2), dpi / 2
    return image, dpi


class TesseractEngine:
    """The ``tesseract`` command line: a process, a model load and an image file per page."""

    name = "tesseract-cli"

    def __init__(self, *, timeout: float = 180.0, workdir: Path | None = None):
        self.timeout = timeout
        self.workdir = workdir

    def describe(self) -> str:
        return f"Tesseract {'.'.join(map(str, tesseract.version()))} command line"

    def check(self, languages: str) -> None:
        tesseract.check(languages)

    def recognize(self, image: Image.Image, *, dpi: float, languages: str) -> tuple[Line, ...]:
        return tesseract.ocr_tsv(image, dpi=dpi, languages=languages, timeout=self.timeout,
                                 workdir=self.workdir)

    def orientation(self, image: Image.Image, *, dpi: float) -> Orientation:
        view, view_dpi = _osd_view(image, dpi)
        return tesseract.osd(view, dpi=view_dpi, timeout=self.timeout, workdir=self.workdir)


class TesseractApiEngine:
    """Tesseract's C API (tesserocr): the same engine, model and parameters as the
    command line, its model loaded once per worker thread, pages handed over in memory."""

    name = "tesseract-api"

    def __init__(self, *, timeout: float = 180.0):
        self.timeout = timeout

    def describe(self) -> str:
        return f"tesserocr (Tesseract {'.'.join(map(str, tesseract_api.version()))} API)"

    def check(self, languages: str) -> None:
        tesseract_api.check(languages)

    def recognize(self, image: Image.Image, *, dpi: float, languages: str) -> tuple[Line, ...]:
        return tesseract_api.ocr_tsv(image, dpi=dpi, languages=languages,
                                     timeout=self.timeout)

    def orientation(self, image: Image.Image, *, dpi: float) -> Orientation:
        view, view_dpi = _osd_view(image, dpi)
        return tesseract_api.osd(view, dpi=view_dpi, timeout=self.timeout)


class NullEngine:
    """Recognizes nothing, instantly: for tests of grouping, ingest and the pool."""

    name = "null"

    def describe(self) -> str:
        return "null (no OCR)"

    def check(self, languages: str) -> None:
        return None

    def recognize(self, image: Image.Image, *, dpi: float, languages: str) -> tuple[Line, ...]:
        return ()

    def orientation(self, image: Image.Image, *, dpi: float) -> Orientation:
        return Orientation(0, 0.0)


@cache
def choose_tesseract() -> str:
    """``"tesseract-api"`` or ``"tesseract-cli"`` for this process; the choice, and the
    reason for a fallback, logged once (the batch's log says which engine read its pages)."""
    reason = tesseract_api.unavailable_reason()
    if reason is None:
        log.info("OCR engine: %s", TesseractApiEngine().describe())
        return "tesseract-api"
    log.info("OCR engine: tesseract command line, because %s", reason)
    return "tesseract-cli"


def resolve(name: str) -> str:
    """The engine ``ScanOptions.engine`` stands for here: "tesseract-api", "tesseract-cli"
    or "null"."""
    if name not in ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}, expected one of {ENGINES}")
    return choose_tesseract() if name == "tesseract" else name


def get_engine(name: str, *, timeout: float = 180.0, workdir: Path | None = None) -> OcrEngine:
    """A new engine object for ``name`` (see :func:`resolve`). Cheap: the API engine's
    models live per thread in :mod:`.tesseract_api`, whatever object uses them."""
    chosen = resolve(name)
    if chosen == "null":
        return NullEngine()
    if chosen == "tesseract-api":
        return TesseractApiEngine(timeout=timeout)
    return TesseractEngine(timeout=timeout, workdir=workdir)


_local = threading.local()


def worker_engine(name: str, *, timeout: float, workdir: Path | None = None) -> OcrEngine:
    """The engine of this worker (process, or thread of a threaded worker), made on first
    use and kept: the page function calls this for every page."""
    key = (name, timeout, workdir)
    cached = getattr(_local, "engine", None)
    if cached is None or cached[0] != key:
        _local.engine = (key, get_engine(name, timeout=timeout, workdir=workdir))
    return _local.engine[1]
