"""Tesseract through its C API (tesserocr): the model loaded once, pages handed over in memory.

The command line (:mod:`.tesseract`) starts a process, loads the language model and reads a
temporary image file for every page; here a worker loads the model once and hands each page
to the same library as raw pixels. Same engine, same model, same parameters, so the same
words, boxes and confidences (``tests/scanning/test_tesseract_api.py`` checks it on the
reference pages): ``--psm`` is the page segmentation mode, ``--dpi`` the
``user_defined_dpi`` variable, the TSV the same ``GetTSVText`` the command line's ``tsv``
output writes, parsed by the same :func:`~.tesseract.parse_tsv`; OSD the same
``DetectOrientationScript`` as ``--psm 0``.

The binding is used only when it runs the Tesseract the command line runs: the tesserocr
wheels on PyPI bundle a Tesseract of their own (another engine, other results), so
``scripts/setup.sh`` builds tesserocr from source against the system's library
(``pip install --no-binary tesserocr tesserocr``). Without it, :mod:`.engine` falls back to
the command line and says why (:func:`unavailable_reason`).

One ``TessBaseAPI`` is not thread-safe: each thread gets its own (:func:`_apis`), which in a
process pool is one per worker process and in a threaded Dask worker one per thread.
``OMP_THREAD_LIMIT=1`` is set before the library loads (its OpenMP runtime reads it once):
Tesseract's own threads make parallel pages slower.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from functools import cache
from types import ModuleType

from PIL import Image
from trams.scanning import tesseract
from trams.scanning.tesseract import Orientation, parse_tsv

from trams.errors import DependencyError, OcrError
from trams.i18n import _
from trams.models import Line

log = logging.getLogger(__name__)

# The header line of the command line's TSV output; GetTSVText gives the rows only.
TSV_HEADER = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\t"
              "height\tconf\ttext\n")
PSM_OSD_ONLY = 0
REBUILD_HINT = "pip install --no-binary tesserocr tesserocr"


def _import() -> ModuleType:
    # libgomp reads OMP_THREAD_LIMIT once, when libtesseract loads: set it first.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import tesserocr

    return tesserocr


def _parse_version(text: str) -> tuple[int, int, int] | None:
    m = re.search(r"tesseract v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


@cache
def unavailable_reason() -> str | None:
    """Why the API cannot be used here (None: it can). English, for the log."""
    try:
        tesserocr = _import()
    except ImportError as exc:
        return f"tesserocr is not installed ({exc}); to install it: {REBUILD_HINT}"
    except OSError as exc:  # a shared library missing or broken
        return f"tesserocr cannot be loaded ({exc})"
    found = _parse_version(tesserocr.tesseract_version())
    if found is None:
        return "tesserocr does not say which Tesseract it runs"
    if found[:2] < tesseract.MIN_VERSION:
        return f"tesserocr runs Tesseract {_dotted(found)}, older than needed"
    if shutil.which("tesseract"):
        try:
            installed = tesseract.version()
        except DependencyError as exc:
            return f"the tesseract command line does not answer ({exc.message})"
        if installed != found:
            return (f"tesserocr runs Tesseract {_dotted(found)}, not the installed "
                    f"{_dotted(installed)} (a wheel with its own copy); rebuild it with: "
                    f"{REBUILD_HINT}")
    return None


def version() -> tuple[int, int, int]:
    """The version of the Tesseract library tesserocr runs."""
    found = _parse_version(_import().tesseract_version())
    assert found is not None, "checked by unavailable_reason()"
    return found


def _dotted(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


@cache
def installed_languages() -> frozenset[str]:
    _path, languages = _import().get_languages()
    return frozenset(languages)


def check(languages: str) -> None:
    """Fail early, with an install hint, when a language model is missing."""
    tesseract.require_languages(languages, installed_languages())


_local = threading.local()


def _apis() -> dict[str, object]:
    """This thread's loaded models, by language string."""
    if not hasattr(_local, "apis"):
        _local.apis = {}
    return _local.apis


def _api(languages: str):
    """The ``TessBaseAPI`` of this thread for ``languages``, its model loaded on first use."""
    apis = _apis()
    api = apis.get(languages)
    if api is None:
        tesserocr = _import()
        try:
            api = tesserocr.PyTessBaseAPI(lang=languages, oem=tesserocr.OEM.DEFAULT)
        except RuntimeError as exc:
            check(languages)  # the usual cause, with its install hint
            raise DependencyError(
                _("Tesseract cannot load the language data {langs} ({reason})",
                  langs=languages, reason=str(exc)),
                hint=_("Reinstall the language data: sudo apt install --reinstall {packages}",
                       packages=" ".join(tesseract.package(m)
                                         for m in languages.split("+") if m)),
                code="tesseract_language_unreadable") from None
        apis[languages] = api
    return api


def release() -> None:
    """Free this thread's models (tests; a worker keeps them until it exits)."""
    for api in _apis().values():
        api.End()
    _apis().clear()


def _set_image(api, image: Image.Image) -> None:
    """Hand ``image`` to ``api`` as raw pixels, as the command line reads the PNM file
    :func:`.tesseract._with_image_file` writes: 1-bit, 8-bit grey or 24-bit colour.
    Tesseract copies them into its own image (``ImageThresholder::SetImage``), so the
    buffer goes as soon as this returns."""
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGB")
    data = image.tobytes()
    if image.mode == "1":  # packed, first pixel in the high bit, 1 = white: as Tesseract wants
        api.SetImageBytes(data, image.width, image.height, 0, (image.width + 7) // 8)
    else:
        depth = 1 if image.mode == "L" else 3
        api.SetImageBytes(data, image.width, image.height, depth, image.width * depth)


def _recognize(api, timeout: float, what: str) -> None:
    start = time.monotonic()
    if api.Recognize(timeout=max(1, round(timeout * 1000))):
        return
    if time.monotonic() - start >= timeout * 0.99:
        raise OcrError(_("tesseract took longer than {seconds} s on a page", seconds=timeout),
                       hint=_("Raise ocr.timeout_seconds in trams.toml, or check the scan."),
                       code="ocr_timeout")
    raise OcrError(_("Tesseract could not read the page ({what})", what=what),
                   hint=_("Run with --verbose to see its messages."), code="tesseract_failed")


def ocr_tsv(image: Image.Image, *, dpi: float, languages: str, timeout: float,
            psm: int = 3) -> tuple[Line, ...]:
    """OCR ``image``; lines of words (NFC) in Tesseract's reading order, as
    :func:`.tesseract.ocr_tsv` gives them for the same image."""
    api = _api(languages)
    api.SetPageSegMode(psm)
    _set_image(api, image)
    try:
        api.SetVariable("user_defined_dpi", str(round(dpi)))
        _recognize(api, timeout, "ocr")
        rows = api.GetTSVText(0)
    finally:
        api.Clear()  # the page's image and results; the model stays loaded
    return parse_tsv(TSV_HEADER + rows)


def osd(image: Image.Image, *, dpi: float, timeout: float) -> Orientation:
    """Orientation detection as :func:`.tesseract.osd`; ``rotate`` 0 when it cannot tell.

    The OSD model (about 40 MB in memory) is loaded the first time a page needs it."""
    api = _api("osd")
    api.SetPageSegMode(PSM_OSD_ONLY)
    _set_image(api, image)
    try:
        api.SetVariable("user_defined_dpi", str(round(dpi)))
        found = api.DetectOrientationScript()
    finally:
        api.Clear()
    if not found:  # too few characters: "cannot tell", as the command line's failure
        log.debug("OSD gave no answer")
        return Orientation(0, 0.0)
    # orient_deg: how far the page is turned clockwise; the command line prints the turn
    # that makes it upright ("Rotate:"), the other way round, and its confidence rounded.
    return Orientation((360 - int(found["orient_deg"])) % 360,
                       round(float(found["orient_conf"]), 2))
