"""The frozen, picklable options one batch of scans runs with (built once from config)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # a page worker imports these options, not the config and its models
    from trams.config import InboxConfig, OcrConfig, PdfaConfig, TramsConfig


@dataclass(frozen=True)
class ScanOptions:
    """Everything a page worker needs; plain values only, so it crosses process borders."""

    # OCR (OcrConfig)
    languages: str = "vie"  # see OcrConfig for the Vietnamese script model
    # "tesseract": its C API (tesserocr) when installed, else its command line (engine.py);
    # "tesseract-cli": always the command line; "null": no OCR, for fast tests.
    engine: Literal["tesseract", "tesseract-cli", "null"] = "tesseract"
    deskew: bool = True
    rotate_pages: bool = True
    keep_original_pixels: bool = False
    timeout_seconds: float = 180.0
    low_confidence: float = 60.0
    review_mean_confidence: float = 75.0
    fail_mean_confidence: float = 40.0
    review_low_share: float = 0.15
    # OSD answers under this confidence are ignored (Tesseract's own scale, 0 to ~20+).
    rotate_min_confidence: float = 3.0
    # PDFs with an OCR layer: False strips it and recognizes again (OCRmyPDF's --redo-ocr);
    # True keeps it, and the PDF is converted to PDF/A as it is.
    keep_ocr_layer: bool = False
    # Red ink (seals, "ĐẾN" stamps) left out of the image Tesseract reads; kept in the PDF.
    drop_red_ink: bool = True
    # Text lines taller than this (pixels) are read smaller, never under 200 dpi; 0: never.
    read_line_height: int = 40
    # Input (InboxConfig)
    default_dpi: float | None = None
    min_dpi: float = 200.0
    accept_low_dpi: bool = False
    drop_blank_pages: bool = False
    blank_threshold: float = 0.995
    # Encoding of the archived image (PdfaConfig)
    lossless: bool = False
    jpeg_quality: int = 60
    pdfa_level: str = "2b"  # born-digital PDFs are checked against it

    @classmethod
    def from_config(cls, ocr: OcrConfig, inbox: InboxConfig, pdfa: PdfaConfig,
                    **overrides: object) -> ScanOptions:
        """Options from the three config sections; ``overrides`` (CLI flags) win.

        Passing ``None`` as an override keeps the configured value.
        """
        options = cls(
            languages=ocr.languages, deskew=ocr.deskew, rotate_pages=ocr.rotate_pages,
            keep_original_pixels=ocr.keep_original_pixels,
            timeout_seconds=ocr.timeout_seconds, low_confidence=ocr.low_confidence,
            review_mean_confidence=ocr.review_mean_confidence,
            fail_mean_confidence=ocr.fail_mean_confidence,
            review_low_share=ocr.review_low_share, keep_ocr_layer=ocr.keep_ocr_layer,
            drop_red_ink=ocr.drop_red_ink, read_line_height=ocr.read_line_height,
            default_dpi=inbox.default_dpi, min_dpi=inbox.min_dpi,
            accept_low_dpi=inbox.accept_low_dpi, drop_blank_pages=inbox.drop_blank_pages,
            blank_threshold=inbox.blank_threshold,
            lossless=pdfa.lossless, jpeg_quality=pdfa.jpeg_quality, pdfa_level=pdfa.level,
        )
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown scan options: {sorted(unknown)}")
        return replace(options, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_trams_config(cls, config: TramsConfig, **overrides: object) -> ScanOptions:
        return cls.from_config(config.ocr, config.inbox, config.pdfa, **overrides)
