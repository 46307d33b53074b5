"""Decode the scanned image of a PDF page into Pillow pixels, in the colours a viewer shows.

pikepdf's :class:`~pikepdf.PdfImage` does most images (its JBIG2 goes through
:mod:`trams.scanning.decoders`). What it cannot transcode is decoded here from the samples:
any bit depth, the colour spaces scanners write (Gray, RGB, CMYK and their ICC and CIE
forms, Indexed, and single-ink Separation/DeviceN such as a JBIG2 page in /DeviceN
[/Black]), with the /Decode array. JPEG (DCT) and JPEG 2000 data are handed to Pillow as
they are. CMYK is converted with the image's ICC profile when it has one. A soft mask is
applied over white paper, as the page shows it.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, ImageChops, ImageOps
from trams.scanning import decoders
from trams.scanning.colour import cmyk_to_rgb
from trams.scanning.limits import pillow_limit

from trams.errors import InputError, TramsError
from trams.i18n import _

log = logging.getLogger(__name__)


def _unsupported(path: Path, number: int, reason: str) -> InputError:
    return InputError(
        _("cannot decode the image on page {number} ({reason})", number=number, reason=reason),
        path=path, hint=_("Export the scan from the scanner as TIFF or JPEG instead."),
        code="image_undecodable")


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text or type(exc).__name__


def _family(cs: object) -> tuple[str, object]:
    """(family name, the colour space object)."""
    if isinstance(cs, pikepdf.Name):
        return str(cs), cs
    if isinstance(cs, pikepdf.Array) and len(cs) > 0:
        return str(cs[0]), cs
    return "/DeviceGray", cs


def _components(cs: object) -> int:
    family, obj = _family(cs)
    if family in ("/DeviceGray", "/CalGray", "/G", "/Separation", "/Indexed", "/I"):
        return 1
    if family in ("/DeviceRGB", "/CalRGB", "/RGB", "/Lab"):
        return 3
    if family in ("/DeviceCMYK", "/CMYK"):
        return 4
    if family == "/ICCBased":
        return int(obj[1].get("/N", 3))
    if family == "/DeviceN":
        return len(obj[1])
    raise ValueError(f"colour space {family}")


def _icc_bytes(cs: object) -> bytes | None:
    family, obj = _family(cs)
    if family == "/ICCBased":
        try:
            return obj[1].read_bytes()
        except pikepdf.PdfError:
            return None
    return None


def _unpack(data: bytes, width: int, height: int, comps: int, bpc: int) -> np.ndarray:
    """Samples as an (height, width, comps) array of integers 0 .. 2**bpc - 1."""
    stride = (width * comps * bpc + 7) // 8
    if len(data) < stride * height:
        raise ValueError(f"image data is short ({len(data)} of {stride * height} bytes)")
    rows = np.frombuffer(data, dtype=np.uint8, count=stride * height).reshape(height, stride)
    if bpc == 8:
        samples = rows[:, :width * comps]
    elif bpc == 16:
        samples = rows[:, :width * comps * 2].reshape(height, -1, 2).astype(np.uint16)
        samples = (samples[..., 0] << 8) | samples[..., 1]
    elif bpc in (1, 2, 4):
        bits = np.unpackbits(rows, axis=1)
        per = bits.reshape(height, -1, bpc)[:, :width * comps]
        weights = (1 << np.arange(bpc - 1, -1, -1)).astype(np.uint8)
        samples = (per * weights).sum(axis=2)
    else:
        raise ValueError(f"{bpc} bits per component")
    return samples.reshape(height, width, comps)


def _decoded_floats(samples: np.ndarray, bpc: int, decode: list[float] | None) -> np.ndarray:
    """Samples mapped through /Decode to 0..1 (per component)."""
    top = float((1 << bpc) - 1)
    values = samples.astype(np.float32) / top
    if decode:
        lo = np.array(decode[0::2], dtype=np.float32)
        hi = np.array(decode[1::2], dtype=np.float32)
        values = lo + values * (hi - lo)
    return np.clip(values, 0.0, 1.0)


def _to_image(values: np.ndarray, cs: object) -> Image.Image:
    """0..1 component values in colour space ``cs`` to an L or RGB image."""
    family, obj = _family(cs)
    if family == "/ICCBased":
        n = int(obj[1].get("/N", 3))
        family = {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}.get(n, family)
    if family in ("/DeviceGray", "/CalGray", "/G"):
        return Image.fromarray((values[..., 0] * 255 + 0.5).astype(np.uint8), "L")
    if family in ("/DeviceRGB", "/CalRGB", "/RGB"):
        return Image.fromarray((values * 255 + 0.5).astype(np.uint8), "RGB")
    if family in ("/DeviceCMYK", "/CMYK"):
        cmyk = Image.fromarray((values * 255 + 0.5).astype(np.uint8), "CMYK")
        return cmyk_to_rgb(cmyk, _icc_bytes(cs))
    if family in ("/Separation", "/DeviceN"):
        # Tints are amounts of ink: none is paper white, full is the ink's darkest. For
        # reading text, the ink's hue does not matter; several inks add up.
        names = [str(n) for n in obj[1]] if family == "/DeviceN" else [str(obj[1])]
        used = [i for i, n in enumerate(names) if n != "/None"]
        ink = np.clip(values[..., used].sum(axis=2), 0, 1) if used else values[..., 0] * 0
        return Image.fromarray(((1 - ink) * 255 + 0.5).astype(np.uint8), "L")
    if family == "/Lab":
        lab = np.stack([values[..., 0] * 255, values[..., 1] * 255, values[..., 2] * 255], -1)
        return Image.fromarray(lab.astype(np.uint8), "LAB").convert("RGB")
    raise ValueError(f"colour space {family}")


def _indexed(samples: np.ndarray, cs: pikepdf.Array) -> Image.Image:
    base, hival, lookup = cs[1], int(cs[2]), cs[3]
    table = lookup.read_bytes() if isinstance(lookup, pikepdf.Stream) else bytes(lookup)
    n = _components(base)
    palette = np.frombuffer(table, dtype=np.uint8)[: (hival + 1) * n]
    palette = np.pad(palette, (0, (hival + 1) * n - len(palette))).reshape(hival + 1, n)
    index = np.clip(samples[..., 0], 0, hival)
    colours = palette[index].astype(np.float32) / 255.0
    return _to_image(colours, base)


def _from_samples(xobj: pikepdf.Stream, data: bytes) -> Image.Image:
    width, height = int(xobj.Width), int(xobj.Height)
    bpc = int(xobj.get("/BitsPerComponent", 1 if "/JBIG2Decode" in _filters(xobj) else 8))
    cs = xobj.get("/ColorSpace", pikepdf.Name.DeviceGray)
    family, obj = _family(cs)
    decode = [float(v) for v in xobj.get("/Decode", [])] or None
    if family in ("/Indexed", "/I"):
        samples = _unpack(data, width, height, 1, bpc)
        if decode:
            samples = np.round(_decoded_floats(samples, bpc, None) * ((1 << bpc) - 1)
                               ).astype(np.int32)
        return _indexed(samples, obj)
    comps = _components(cs)
    samples = _unpack(data, width, height, comps, bpc)
    return _to_image(_decoded_floats(samples, bpc, decode), cs)


def _filters(xobj: pikepdf.Stream) -> list[str]:
    f = xobj.get("/Filter")
    if f is None:
        return []
    return [str(x) for x in f] if isinstance(f, pikepdf.Array) else [str(f)]


def _encoded(xobj: pikepdf.Stream, filters: list[str]) -> bytes:
    """The bytes under the last filter (a JPEG or JPEG 2000 file), earlier filters undone
    (qpdf will not decode a stream only partly)."""
    data = xobj.read_raw_bytes()
    parms = xobj.get("/DecodeParms")
    for i, name in enumerate(filters[:-1]):
        parm = parms[i] if isinstance(parms, pikepdf.Array) and i < len(parms) else parms
        if isinstance(parm, pikepdf.Dictionary) and int(parm.get("/Predictor", 1)) > 1:
            raise ValueError(f"{name} with a predictor before {filters[-1]}")
        if name in ("/FlateDecode", "/Fl"):
            data = zlib.decompress(data)
        elif name in ("/ASCIIHexDecode", "/AHx"):
            data = binascii.unhexlify(b"".join(data.split()).rstrip(b">"))
        elif name in ("/ASCII85Decode", "/A85"):
            body = b"".join(data.split()).removeprefix(b"<~").removesuffix(b"~>")
            data = base64.a85decode(body)
        else:
            raise ValueError(f"{name} before {filters[-1]}")
    return data


def _open_encoded(data: bytes) -> Image.Image:
    with pillow_limit():
        image = Image.open(io.BytesIO(data))
        image.load()
    return image


def _apply_colour(image: Image.Image, xobj: pikepdf.Stream) -> Image.Image:
    cs = xobj.get("/ColorSpace")
    decode = [float(v) for v in xobj.get("/Decode", [])]
    if image.mode == "CMYK" and "adobe" in image.info:
        # Pillow inverts Adobe CMYK JPEGs as image files want; inside a PDF the samples
        # are used as they are (inverted only by a /Decode array), as viewers do.
        image = ImageChops.invert(image)
    if image.mode == "CMYK" and len(decode) == 8 and decode[0] > decode[1]:
        image = ImageChops.invert(image)
        decode = []
    if image.mode == "CMYK":
        image = cmyk_to_rgb(image, _icc_bytes(cs) if cs is not None else None)
    if decode and decode[0] > decode[1] and image.mode in ("L", "RGB", "1"):
        image = ImageOps.invert(image.convert("L" if image.mode == "1" else image.mode))
    return image


def _apply_soft_mask(image: Image.Image, xobj: pikepdf.Stream, path: Path,
                     number: int) -> Image.Image:
    smask = xobj.get("/SMask")
    if not isinstance(smask, pikepdf.Stream):
        return image
    try:
        alpha = decode_xobject(smask, path, number).convert("L")
    except InputError as exc:
        log.info("soft mask of page %d of %s ignored: %s", number, path, exc)
        return image
    if alpha.size != image.size:
        alpha = alpha.resize(image.size, Image.Resampling.BILINEAR)
    base = image.convert("RGB" if image.mode not in ("1", "L") else "L")
    paper = Image.new(base.mode, base.size, 255 if base.mode == "L" else (255, 255, 255))
    return Image.composite(base, paper, alpha)


def decode_xobject(xobj: pikepdf.Stream, path: Path, number: int) -> Image.Image:
    """The pixels of image XObject ``xobj`` on page ``number`` of ``path``."""
    filters = _filters(xobj)
    try:
        if filters and filters[-1] in ("/DCTDecode", "/JPXDecode"):
            if filters[-1] == "/JPXDecode":
                decoders.check_openjpeg()
            image = _apply_colour(_open_encoded(_encoded(xobj, filters)), xobj)
        else:
            if "/JBIG2Decode" in filters:
                decoders.check_jbig2dec()
                decoders.use_jbig2dec()
            try:
                image = pikepdf.PdfImage(xobj).as_pil_image()
                if image.mode == "CMYK":
                    image = cmyk_to_rgb(image, _icc_bytes(xobj.get("/ColorSpace")))
            except pikepdf.DependencyError:
                raise
            except subprocess.TimeoutExpired:
                raise
            except Exception as first:  # noqa: BLE001 - pikepdf's many "cannot transcode"
                log.debug("pikepdf cannot transcode page %d of %s (%s); decoding samples",
                          number, path, _reason(first))
                image = _from_samples(xobj, xobj.read_bytes(pikepdf.StreamDecodeLevel.all))
    except pikepdf.DependencyError:
        raise decoders.missing_jbig2dec() from None
    except subprocess.TimeoutExpired:
        raise decoders.timed_out(path, number) from None
    except TramsError:
        raise
    except Image.DecompressionBombError:
        raise _unsupported(path, number, _("the image is too large")) from None
    except (pikepdf.PdfError, NotImplementedError, OSError, ValueError, KeyError, IndexError,
            TypeError, AttributeError, SyntaxError) as exc:
        raise _unsupported(path, number, _reason(exc)) from None
    except Exception as exc:  # noqa: BLE001 - any decoder error fails this page only
        raise _unsupported(path, number, _reason(exc)) from None
    return _apply_soft_mask(image, xobj, path, number)


def decode_inline(inline: pikepdf.PdfInlineImage, path: Path, number: int) -> Image.Image:
    try:
        image = inline.as_pil_image()
    except Exception as exc:  # noqa: BLE001 - pikepdf raises many kinds
        raise _unsupported(path, number, _reason(exc)) from None
    if image.mode == "CMYK":
        image = cmyk_to_rgb(image, None)
    return image
