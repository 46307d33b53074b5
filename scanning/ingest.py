"""Reading scans: which files are scans, how many pages each holds, and one page's pixels.

Images (TIFF single/multi-page; JPEG, PNG, BMP, GIF, WebP, JPEG 2000, PNM: see
:mod:`trams.formats`) go through Pillow; PDFs through :mod:`trams.scanning.pdf_input`.
Broken or hostile files raise :class:`~trams.errors.InputError` naming the file and what
to do; the caller records it against that file and carries on with the others. Resolution
and size rules: :mod:`trams.scanning.limits`. A CMYK image is converted with its ICC
profile; without one its colours mean nothing definite, and it is refused (as OCRmyPDF
does).

A PDF with text to keep (a born-digital page, or an OCR layer with
``keep_ocr_layer``) is not a scan: :func:`inspect_file` says so, and it is converted to
PDF/A as it is instead of being recognized.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from trams.scanning.colour import cmyk_to_rgb
from trams.scanning.limits import check_resolution, check_size, damaged, pillow_limit

from trams.errors import InputError
from trams.formats import (
    HEAD_BYTES,
    IMAGE_SUFFIXES,
    NOT_READ,
    PDF_SUFFIXES,
    SCAN_SUFFIXES,
    suffix_of,
)
from trams.i18n import N_, _
from trams.models import SourcePage


@dataclass
class LoadedPage:
    """A page's pixels and resolution. ``dpi_from_file`` is False when the default was used."""

    image: Image.Image
    dpi: tuple[float, float]
    dpi_from_file: bool


def is_scan(path: Path) -> bool:
    return path.suffix.lower() in SCAN_SUFFIXES


# kind of a format TRAMS does not read (trams.formats.NOT_READ) -> (message, hint)
_NOT_READ_TEXT = {
    "photo": (N_("a photo in a format TRAMS does not read ({format})"),
              N_("Save it as JPEG or PNG (on a phone: the camera's \"most compatible\" "
                 "format), or scan the paper.")),
    "office": (N_("an office document, not a scan or a PDF"),
               N_("Export it to PDF (File > Export as PDF) and put the PDF in its place.")),
    "packed": (N_("a compressed file ({format}), not a scan"),
               N_("Extract its scans into the inbox (one folder per document in folder "
                  "grouping), then remove the compressed file.")),
}


def not_read(path: Path) -> InputError | None:
    """The refusal of a file in a format TRAMS does not read but a clerk may well drop into
    the inbox (a phone's HEIC photo, a Word file, a ZIP of scans); None for any other
    file."""
    kind = NOT_READ.get(path.suffix.lower())
    if kind is None:
        return None
    message, hint = _NOT_READ_TEXT[kind]
    return InputError(_(message, format=path.suffix.lstrip(".").upper()), path=path,
                      hint=_(hint), code="not_a_scan")


def _check_readable(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(_("cannot read the file ({reason})", reason=exc.strerror), path=path,
                         hint=_("Check that the file exists and is readable."),
                         code="file_unreadable") from None
    if size == 0:
        raise InputError(_("the file is empty (0 bytes)"), path=path,
                         hint=_("Copy it again from the scanner or scan the paper again."),
                         code="file_empty")


def _known_signature(path: Path) -> bool:
    """The file starts like an image TRAMS reads (so it is damaged, not foreign)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    return suffix_of(head) not in (None, ".pdf")


def _open_image(path: Path) -> Image.Image:
    """Open (read the header of) an image file; its size is judged by the caller, before
    any pixel is decoded."""
    try:
        with warnings.catch_warnings(), pillow_limit(None):
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(_("the image is too large to be a page scan"), path=path,
                         hint=_("This may be a decompression bomb; scan the page again at "
                                "200-600 dpi."), code="image_too_large") from None
    except UnidentifiedImageError:
        if _known_signature(path):
            raise damaged(path, _("the image data cannot be decoded")) from None
        raise InputError(_("not an image format TRAMS reads"), path=path,
                         hint=_("Save scans as TIFF, JPEG, PNG, BMP or PDF."),
                         code="not_a_scan") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise damaged(path, str(exc) or type(exc).__name__) from None
    return image


@dataclass(frozen=True)
class ScanFile:
    """What discovery needs of one input file."""

    path: Path
    pages: int
    # A PDF with text to keep: converted to PDF/A as it is, not recognized.
    born_digital: bool = False
    kinds: tuple[str, ...] = ()  # per page of a PDF: text, ocr_layer, image, vector, empty

    def source_pages(self) -> tuple[SourcePage, ...]:
        return tuple(SourcePage(path=self.path, index=i) for i in range(self.pages))


def inspect_file(path: Path, *, default_dpi: float | None = None,
                 keep_ocr_layer: bool = False) -> ScanFile:
    """Pages of a scan file and whether it is a scan at all; a light check that it is
    readable, with the size limits applied to what its header declares."""
    _check_readable(path)
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        from trams.scanning.pdf_input import no_scanned_image, pdf_pages  # see load_page

        pages = pdf_pages(path)
        kinds = tuple(p.kind for p in pages)
        keep = {"text", "ocr_layer"} if keep_ocr_layer else {"text"}
        if any(k in keep for k in kinds):
            return ScanFile(path, len(pages), born_digital=True, kinds=kinds)
        for number, page in enumerate(pages, start=1):
            if page.kind in ("vector", "empty"):
                raise no_scanned_image(path, number, page.kind)
        return ScanFile(path, len(pages), kinds=kinds)
    if suffix not in IMAGE_SUFFIXES:
        if refusal := not_read(path):
            raise refusal
        raise InputError(_("not a scan file TRAMS reads"), path=path,
                         hint=_("Save scans as TIFF, JPEG, PNG, BMP or PDF."), code="not_a_scan")
    image = _open_image(path)
    try:
        frames = int(getattr(image, "n_frames", 1))
        dpi = _file_dpi(image.info)
        if dpi is not None:
            check_resolution(path, 1, dpi)
        elif default_dpi:
            dpi = (float(default_dpi), float(default_dpi))
        check_size(path, 1, image.size, dpi)
    except (OSError, EOFError, ValueError) as exc:
        raise damaged(path, str(exc)) from None
    finally:
        image.close()
    if frames < 1:
        raise InputError(_("the file holds no image"), path=path,
                         hint=_("Copy it again from the scanner or scan the paper again."),
                         code="no_image")
    return ScanFile(path, frames)


def page_count(path: Path) -> int:
    """Number of pages in a scan file; a light check that it is readable at all."""
    return inspect_file(path).pages


def _file_dpi(info: dict) -> tuple[float, float] | None:
    """The resolution the file records, as it records it (checked later); None if none."""
    dpi = info.get("dpi")
    if dpi is None:
        return None
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return (math.nan, math.nan)
    return (x, y)


def normalize_mode(image: Image.Image) -> Image.Image:
    """Bring any Pillow mode to one of "1", "L" or "RGB"."""
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda v: v / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        return flat.convert("RGB")
    if image.mode == "P":
        rgb = image.convert("RGB")
        return rgb.convert("L") if _is_gray(rgb) else rgb
    return image.convert("RGB")


def _is_gray(rgb: Image.Image) -> bool:
    r, g, b = rgb.reduce(4).split() if min(rgb.size) >= 8 else rgb.split()
    return r.tobytes() == g.tobytes() == b.tobytes()


def _resolve_dpi(path: Path, found: tuple[float, float] | None,
                 default_dpi: float | None) -> tuple[tuple[float, float], bool]:
    if found:
        return found, True
    if default_dpi:
        return (float(default_dpi), float(default_dpi)), False
    raise InputError(_("the file does not say at what resolution it was scanned"),
                     path=path,
                     hint=_("Give the resolution with --default-dpi (or default_dpi under "
                            "[inbox] in trams.toml)."), code="dpi_unknown")


def _cmyk_file(path: Path, image: Image.Image, icc: bytes | None) -> Image.Image:
    if not icc:
        raise InputError(_("the image is in CMYK colours without a colour profile (ICC), so "
                           "its colours cannot be converted faithfully"), path=path,
                         hint=_("Save the scan in RGB or grayscale, or with its ICC profile."),
                         code="cmyk_without_profile")
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (ImageCms.PyCMSError, OSError, ValueError):
        raise InputError(_("the image's colour profile (ICC) cannot be read"), path=path,
                         hint=_("Save the scan in RGB or grayscale."),
                         code="icc_unreadable") from None
    return cmyk_to_rgb(image, icc)


def load_page(page: SourcePage, *, default_dpi: float | None) -> LoadedPage:
    """Decode one page fully (this is where truncated files are found)."""
    path = page.path
    number = page.index + 1
    _check_readable(path)
    if path.suffix.lower() in PDF_SUFFIXES:
        # pikepdf (16 MB) is loaded by the first PDF page a worker reads, not by every worker
        from trams.scanning.pdf_input import load_pdf_page

        image, found = load_pdf_page(path, page.index)
        dpi, from_file = _resolve_dpi(path, found, default_dpi)
        check_resolution(path, number, dpi)
        return LoadedPage(normalize_mode(image), dpi, from_file)
    image = _open_image(path)
    try:
        if page.index:
            image.seek(page.index)
        info = dict(image.info)
        dpi, from_file = _resolve_dpi(path, _file_dpi(info), default_dpi)
        check_resolution(path, number, dpi)
        check_size(path, number, image.size, dpi)
        with pillow_limit():
            image.load()
        # Pillow keeps the file open after loading a frame of a multi-frame file (a
        # multi-page TIFF) and of any GIF (it may be animated): keep the frame, close it
        if getattr(image, "n_frames", 1) > 1 or image.format == "GIF":
            frame = image.copy()
            image.close()
            image = frame
        if image.format == "JPEG":
            if image.getexif().get(0x0112) in (5, 6, 7, 8):  # turned by 90: swap x and y
                dpi = (dpi[1], dpi[0])
            image = ImageOps.exif_transpose(image)
        if image.mode == "CMYK":
            image = _cmyk_file(path, image, info.get("icc_profile"))
        image = normalize_mode(image)
    except InputError:
        image.close()
        raise
    except (OSError, EOFError, ValueError, SyntaxError) as exc:
        image.close()
        raise damaged(path, str(exc) or type(exc).__name__) from None
    return LoadedPage(image, dpi, from_file)
