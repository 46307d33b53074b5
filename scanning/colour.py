"""Colour conversions shared by scan files and the images inside PDFs."""

from __future__ import annotations

import io
import logging

from PIL import Image, ImageCms

log = logging.getLogger(__name__)


def cmyk_to_rgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """CMYK pixels to sRGB: with the ICC profile when there is one, else as viewers do."""
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                             outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:
            log.info("CMYK ICC conversion failed (%s); converting without it", exc)
    return image.convert("RGB")
