"""Reading scans: which files are scans, how many pages each holds, and one page's pixels.

Images (TIFF single/multi-page: uncompressed, LZW, CCITT G4, JPEG; JPEG, PNG, BMP) go
through Pillow; image-only PDFs through :mod:`trams.scanning.pdf_input`. Broken or hostile
files raise :class:`~trams.errors.InputError` naming the file and what to do; the caller
records it against that file and carries on with the others.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from trams.scanning.limits import MAX_PIXELS, damaged, too_large
from trams.scanning.pdf_input import load_pdf_page, pdf_page_count

from trams.errors import InputError
from trams.i18n import _
from trams.models import SourcePage

IMAGE_SUFFIXES = frozenset({".tif", ".tiff", ".jpg", ".jpeg", ".png", ".bmp"})
PDF_SUFFIXES = frozenset({".pdf"})
SCAN_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES
MIN_PLAUSIBLE_DPI = 10.0  # below this a stored "resolution" is an aspect ratio, not dpi


@dataclass
class LoadedPage:
    """A page's pixels and resolution. ``dpi_from_file`` is False when the default was used."""

    image: Image.Image
    dpi: tuple[float, float]
    dpi_from_file: bool


def is_scan(path: Path) -> bool:
    return path.suffix.lower() in SCAN_SUFFIXES


def _check_readable(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(_("cannot read the file ({reason})", reason=exc.strerror), path=path,
                         hint=_("Check that the file exists and is readable.")) from None
    if size == 0:
        raise InputError(_("the file is empty (0 bytes)"), path=path,
                         hint=_("Copy it again from the scanner or scan the paper again."))


SIGNATURES = (b"II*\x00", b"MM\x00*", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM")


def _known_signature(path: Path) -> bool:
    """The file starts like an image TRAMS reads (so it is damaged, not foreign)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return any(head.startswith(sig) for sig in SIGNATURES)


def _open_image(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(_("the image is too large to be a page scan"), path=path,
                         hint=_("This may be a decompression bomb; scan the page again at "
                                "200-600 dpi.")) from None
    except UnidentifiedImageError:
        if _known_signature(path):
            raise damaged(path, _("the image data cannot be decoded")) from None
        raise InputError(_("not an image format TRAMS reads"), path=path,
                         hint=_("Save scans as TIFF, JPEG, PNG, BMP or PDF.")) from None
    except OSError as exc:
        raise damaged(path, str(exc)) from None
    if image.width * image.height > MAX_PIXELS:
        image.close()
        raise too_large(path, image.width, image.height)
    return image


def page_count(path: Path) -> int:
    """Number of pages in a scan file; a light check that it is readable at all."""
    _check_readable(path)
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return pdf_page_count(path)
    if suffix not in IMAGE_SUFFIXES:
        raise InputError(_("not a scan file TRAMS reads"), path=path,
                         hint=_("Save scans as TIFF, JPEG, PNG, BMP or PDF."))
    image = _open_image(path)
    try:
        return int(getattr(image, "n_frames", 1))
    except (OSError, EOFError, ValueError) as exc:
        raise damaged(path, str(exc)) from None
    finally:
        image.close()


def source_pages(path: Path) -> tuple[SourcePage, ...]:
    return tuple(SourcePage(path=path, index=i) for i in range(page_count(path)))


def _file_dpi(info: dict) -> tuple[float, float] | None:
    dpi = info.get("dpi")
    if not dpi:
        return None
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        return None
    if x < MIN_PLAUSIBLE_DPI or y < MIN_PLAUSIBLE_DPI:
        return None
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
                     hint=_("Give the resolution with --dpi (or inbox.default_dpi in "
                            "trams.toml)."))


def load_page(page: SourcePage, *, default_dpi: float | None) -> LoadedPage:
    """Decode one page fully (this is where truncated files are found)."""
    path = page.path
    _check_readable(path)
    if path.suffix.lower() in PDF_SUFFIXES:
        image, found = load_pdf_page(path, page.index)
        dpi, from_file = _resolve_dpi(path, found, default_dpi)
        return LoadedPage(normalize_mode(image), dpi, from_file)
    image = _open_image(path)
    try:
        if page.index:
            image.seek(page.index)
        image.load()
        info = dict(image.info)
        if getattr(image, "n_frames", 1) > 1:  # keep the frame, let go of the file
            frame = image.copy()
            image.close()
            image = frame
        if image.format == "JPEG":
            image = ImageOps.exif_transpose(image)
        image = normalize_mode(image)
    except (OSError, EOFError, ValueError, SyntaxError) as exc:
        raise damaged(path, str(exc) or type(exc).__name__) from None
    dpi, from_file = _resolve_dpi(path, _file_dpi(info), default_dpi)
    return LoadedPage(image, dpi, from_file)
