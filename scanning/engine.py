"""The OCR engine interface, the Tesseract engine, and a null engine for fast tests.

An engine is chosen by name (``ScanOptions.engine``) inside each worker process, so nothing
unpicklable travels between processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image
from trams.scanning import tesseract
from trams.scanning.tesseract import Orientation

from trams.models import Line


@runtime_checkable
class OcrEngine(Protocol):
    name: str

    def check(self, languages: str) -> None:
        """Raise DependencyError when the engine or a language model is missing."""

    def recognize(self, image: Image.Image, *, dpi: float, languages: str) -> tuple[Line, ...]:
        """Lines of words (Unicode NFC) in reading order, pixel boxes on ``image``."""

    def orientation(self, image: Image.Image, *, dpi: float) -> Orientation:
        """Clockwise right-angle turn that makes the page upright, with a confidence."""


class TesseractEngine:
    name = "tesseract"

    def __init__(self, *, timeout: float = 180.0, workdir: Path | None = None):
        self.timeout = timeout
        self.workdir = workdir

    def check(self, languages: str) -> None:
        tesseract.check(languages)

    def recognize(self, image: Image.Image, *, dpi: float, languages: str) -> tuple[Line, ...]:
        return tesseract.ocr_tsv(image, dpi=dpi, languages=languages, timeout=self.timeout,
                                 workdir=self.workdir)

    def orientation(self, image: Image.Image, *, dpi: float) -> Orientation:
        # OSD reads a half-size copy just as well, in about half the time.
        if dpi >= 250 and min(image.size) >= 400:
            small = (image.convert("L") if image.mode == "1" else image).reduce(2)
            return tesseract.osd(small, dpi=dpi / 2, timeout=self.timeout,
                                 workdir=self.workdir)
        return tesseract.osd(image, dpi=dpi, timeout=self.timeout, workdir=self.workdir)


class NullEngine:
    """Recognizes nothing, instantly: for tests of grouping, ingest and the pool."""

    name = "null"

    def check(self, languages: str) -> None:
        return None

    def recognize(self, image: Image.Image, *, dpi: float, languages: str) -> tuple[Line, ...]:
        return ()

    def orientation(self, image: Image.Image, *, dpi: float) -> Orientation:
        return Orientation(0, 0.0)


def get_engine(name: str, *, timeout: float = 180.0, workdir: Path | None = None) -> OcrEngine:
    if name == "null":
        return NullEngine()
    return TesseractEngine(timeout=timeout, workdir=workdir)
