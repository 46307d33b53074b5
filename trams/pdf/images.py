"""Encode a cleaned page image once, as the stream the PDF will embed.

Runs in the page worker, so the main process only copies bytes into the PDF.

Defaults (documented in trams/pdf/README.md):

- grayscale and colour: JPEG (``/DCTDecode``) at ``jpeg_quality`` (60, ``PdfaConfig``).
  A noisy scan can make JPEG large, so each page has a size budget
  (:data:`BUDGET_BYTES_PER_MEGAPIXEL`, 1.5 MB for an A4 page at 300 dpi): over it, the
  page is re-encoded 10 quality steps lower, never under :data:`MIN_JPEG_QUALITY` (40).
  Legibility, measured by OCR of the decoded JPEG (reference page 10, the noisiest):
  CER 0.15 % lossless, 0.20 % at 60 and at 50 (where the budget lands), 0.29 % at 40.
- bilevel (mode ``"1"``): CCITT Group 4 (``/CCITTFaxDecode``, lossless), made by Pillow's
  libtiff encoder and taken out of the single TIFF strip. Never lossy JBIG2.
- ``lossless=True``: Flate for grayscale and colour (bilevel stays G4, which is lossless).
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from PIL import Image, TiffImagePlugin

from trams.models import EncodedImage

A4_300DPI_PIXELS = 2480 * 3508
BUDGET_BYTES_PER_MEGAPIXEL = 1_500_000 / (A4_300DPI_PIXELS / 1e6)  # ~172 kB per megapixel
MIN_JPEG_QUALITY = 40


def encode_page(image: Image.Image, dest_stem: Path, *, lossless: bool = False,
                jpeg_quality: int = 60, budget: bool = True) -> EncodedImage:
    """Write ``image`` as a PDF image stream to ``dest_stem`` + suffix; describe it.

    ``budget=False`` keeps ``jpeg_quality`` whatever the size.
    """
    if image.mode == "1":
        return _ccitt_g4(image, dest_stem.with_suffix(".g4"))
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB" if "A" in image.mode or image.mode in ("P", "CMYK") else "L")
    colorspace = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
    if lossless:
        return _flate(image, dest_stem.with_suffix(".raw"), colorspace, 8)
    limit = BUDGET_BYTES_PER_MEGAPIXEL * image.width * image.height / 1e6
    quality = jpeg_quality
    data = _jpeg(image, quality)
    while budget and len(data) > limit and quality > MIN_JPEG_QUALITY:
        quality = max(MIN_JPEG_QUALITY, quality - 10)
        data = _jpeg(image, quality)
    path = dest_stem.with_suffix(".jpg")
    path.write_bytes(data)
    return EncodedImage(path=path, filter="/DCTDecode", colorspace=colorspace,
                        bits_per_component=8, width=image.width, height=image.height)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _flate(image: Image.Image, path: Path, colorspace: str, bits: int) -> EncodedImage:
    path.write_bytes(zlib.compress(image.tobytes(), 6))
    return EncodedImage(path=path, filter="/FlateDecode", colorspace=colorspace,
                        bits_per_component=bits, width=image.width, height=image.height)


def _ccitt_g4(image: Image.Image, path: Path) -> EncodedImage:
    """CCITT G4 via libtiff: one strip, so the strip's bytes are the PDF stream as is."""
    buf = io.BytesIO()
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[278] = image.height  # RowsPerStrip: the whole page in one strip
    image.save(buf, format="TIFF", compression="group4", tiffinfo=info)
    buf.seek(0)
    with Image.open(buf) as tif:
        offsets = tif.tag_v2[273]
        counts = tif.tag_v2[279]
        photometric = tif.tag_v2.get(262, 0)
    if len(offsets) != 1:  # pragma: no cover - libtiff honours RowsPerStrip
        return _flate(image, path.with_suffix(".g1"), "/DeviceGray", 1)
    raw = buf.getvalue()[offsets[0]:offsets[0] + counts[0]]
    path.write_bytes(raw)
    # libtiff codes 0 bits as white runs; with PhotometricInterpretation 1 (BlackIsZero,
    # Pillow's choice for mode "1") a 0 bit is black, so the decoded sense is inverted.
    parms: dict[str, int | bool] = {"K": -1, "Columns": image.width, "Rows": image.height,
                                    "BlackIs1": photometric == 1}
    return EncodedImage(path=path, filter="/CCITTFaxDecode", colorspace="/DeviceGray",
                        bits_per_component=1, width=image.width, height=image.height,
                        decode_parms=parms)
