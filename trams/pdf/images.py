"""Encode a cleaned page image once, as the stream the PDF will embed.

Runs in the page worker, so the main process only copies bytes into the PDF.
Default: JPEG (DCTDecode) for grayscale and colour at ``jpeg_quality``; bilevel pages are
kept lossless (Flate, 1 bit). ``lossless=True``: Flate for everything.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from PIL import Image

from trams.models import EncodedImage


def encode_page(image: Image.Image, dest_stem: Path, *, lossless: bool = False,
                jpeg_quality: int = 60) -> EncodedImage:
    """Write ``image`` as a PDF image stream to ``dest_stem`` + suffix; describe it."""
    if image.mode == "1":
        return _flate(image, dest_stem.with_suffix(".g1"), "/DeviceGray", 1)
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB" if "A" in image.mode or image.mode in ("P", "CMYK") else "L")
    colorspace = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
    if lossless:
        return _flate(image, dest_stem.with_suffix(".raw"), colorspace, 8)
    path = dest_stem.with_suffix(".jpg")
    image.save(path, format="JPEG", quality=jpeg_quality, optimize=True)
    return EncodedImage(path=path, filter="/DCTDecode", colorspace=colorspace,
                        bits_per_component=8, width=image.width, height=image.height)


def _flate(image: Image.Image, path: Path, colorspace: str, bits: int) -> EncodedImage:
    raw = image.tobytes()
    if bits == 1:
        # PIL packs mode "1" rows MSB first with 1 = white; PDF DeviceGray 1-bit: 1 = white.
        pass
    path.write_bytes(zlib.compress(raw, 6))
    return EncodedImage(path=path, filter="/FlateDecode", colorspace=colorspace,
                        bits_per_component=bits, width=image.width, height=image.height)
