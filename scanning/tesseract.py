"""The one module that runs the ``tesseract`` program.

Every call: keyword-only arguments, an explicit timeout, ``OMP_THREAD_LIMIT=1`` (Tesseract's
own threads make parallel pages about 5x slower on 2 cores), stderr logged, output checked.
The version and language data are checked once per process, with an install hint.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image

from trams.errors import DependencyError, OcrError
from trams.i18n import _
from trams.models import Line, Word

log = logging.getLogger(__name__)

MIN_VERSION = (4, 1)


@dataclass(frozen=True)
class Orientation:
    """What OSD found: turn the page clockwise by ``rotate`` degrees to make it upright."""

    rotate: int  # 0, 90, 180 or 270
    confidence: float


def _install_hint() -> str:
    return _("Install it with: sudo apt install tesseract-ocr tesseract-ocr-script-viet "
             "tesseract-ocr-vie")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def _program() -> str:
    found = shutil.which("tesseract")
    if not found:
        raise DependencyError(_("the OCR program tesseract was not found"),
                              hint=_install_hint(), code="tesseract_missing")
    return found


@cache
def version() -> tuple[int, int, int]:
    """Tesseract's version; DependencyError when it is missing or too old."""
    try:
        proc = subprocess.run([_program(), "--version"], capture_output=True, text=True,
                              timeout=30, env=_env(), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DependencyError(_("cannot run tesseract ({reason})", reason=str(exc)),
                              hint=_install_hint(), code="tesseract_unusable") from None
    m = re.search(r"tesseract v?(\d+)\.(\d+)(?:\.(\d+))?", proc.stdout + proc.stderr)
    if not m:
        raise DependencyError(_("cannot tell which tesseract version is installed"),
                              hint=_install_hint(), code="tesseract_version_unknown")
    found = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
    if found[:2] < MIN_VERSION:
        raise DependencyError(
            _("tesseract {found} is too old, {needed} or newer is needed",
              found=".".join(map(str, found)), needed=".".join(map(str, MIN_VERSION))),
            hint=_install_hint(), code="tesseract_too_old")
    return found


@cache
def installed_languages() -> frozenset[str]:
    proc = subprocess.run([_program(), "--list-langs"], capture_output=True, text=True,
                          timeout=30, env=_env(), check=False)
    return frozenset(line.strip() for line in proc.stdout.splitlines()[1:] if line.strip())


# Script models (capitalised names, "script/" in upstream's tessdata) and the ISO 15924
# codes Debian names their packages with (tesseract-ocr-script-viet: Vietnamese).
SCRIPT_CODES = {"Vietnamese": "viet", "Latin": "latn", "Cyrillic": "cyrl", "Arabic": "arab",
                "Han": "hans", "HanS": "hans", "HanT": "hant", "Thai": "thai",
                "Khmer": "khmr", "Lao": "laoo", "Greek": "grek", "Hebrew": "hebr"}


def package(language: str) -> str:
    """The Debian package holding Tesseract's data for ``language``."""
    name = language.removeprefix("script/")
    if language.startswith("script/") or name[:1].isupper():
        return f"tesseract-ocr-script-{SCRIPT_CODES.get(name, name.lower())}"
    return f"tesseract-ocr-{name.lower().replace('_', '-')}"


def check(languages: str) -> None:
    """Fail early, with an install hint, when tesseract or a language model is missing."""
    version()
    require_languages(languages, installed_languages())


def require_languages(languages: str, installed: frozenset[str]) -> None:
    """DependencyError, with the packages to install, when a language of ``languages``
    (``vie+eng``) is not among the ``installed`` ones (of the command line or the API)."""
    missing = [lang for lang in languages.split("+") if lang and lang not in installed]
    if missing:
        raise DependencyError(
            _("the Tesseract language data {langs} is not installed", langs=", ".join(missing)),
            hint=_("Install it with: sudo apt install {packages}",
                   packages=" ".join(package(m) for m in missing)),
            code="tesseract_language_missing")


def _run(args: list[str], *, timeout: float, what: str) -> str:
    try:
        proc = subprocess.run([_program(), *args], capture_output=True, timeout=timeout,
                              env=_env(), check=False)
    except subprocess.TimeoutExpired:
        raise OcrError(_("tesseract took longer than {seconds} s on a page", seconds=timeout),
                       hint=_("Raise ocr.timeout_seconds in trams.toml, or check the scan."),
                       code="ocr_timeout",
                       ) from None
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    for line in stderr.splitlines():
        # "Estimating resolution" and similar chatter are debug; the rest is worth a warning.
        level = logging.DEBUG if proc.returncode == 0 else logging.WARNING
        log.log(level, "tesseract %s: %s", what, line)
    if proc.returncode != 0:
        raise OcrError(_("tesseract failed with exit code {code}: {detail}",
                         code=proc.returncode, detail=stderr.splitlines()[-1] if stderr else "-"),
                       hint=_("Run with --verbose to see its messages."), code="tesseract_failed")
    return proc.stdout.decode("utf-8", "replace")


def _with_image_file(image: Image.Image, workdir: Path | None):
    """Write ``image`` uncompressed (fast to write and to read) into a temporary file."""
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGB")
    fd, name = tempfile.mkstemp(suffix=".pnm", dir=workdir)
    with os.fdopen(fd, "wb") as fh:
        image.save(fh, format="PPM")
    return Path(name)


def ocr_tsv(image: Image.Image, *, dpi: float, languages: str, timeout: float,
            psm: int = 3, workdir: Path | None = None) -> tuple[Line, ...]:
    """OCR ``image``; lines of words (NFC) in Tesseract's reading order."""
    check(languages)
    path = _with_image_file(image, workdir)
    try:
        out = _run([str(path), "stdout", "-l", languages, "--dpi", str(round(dpi)),
                    "--psm", str(psm), "tsv"], timeout=timeout, what="ocr")
    finally:
        path.unlink(missing_ok=True)
    return parse_tsv(out)


def parse_tsv(text: str) -> tuple[Line, ...]:
    rows = text.splitlines()
    if not rows or not rows[0].startswith("level"):
        raise OcrError(_("tesseract produced no readable output"),
                       hint=_("Run with --verbose to see its messages."), code="tesseract_failed")
    lines: dict[tuple[int, int, int, int], list[Word]] = {}
    for row in rows[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text_ = unicodedata.normalize("NFC", cols[11]).strip()
        if not text_:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        key = (int(cols[1]), int(cols[2]), int(cols[3]), int(cols[4]))
        lines.setdefault(key, []).append(
            Word(text=text_, box=(left, top, left + width, top + height),
                 confidence=max(0.0, float(cols[10]))))
    result = []
    for key, words in lines.items():  # dicts keep insertion order: Tesseract's reading order
        box = (min(w.box[0] for w in words), min(w.box[1] for w in words),
               max(w.box[2] for w in words), max(w.box[3] for w in words))
        result.append(Line(words=tuple(words), box=box, block=key[1]))
    return tuple(result)


def osd(image: Image.Image, *, dpi: float, timeout: float,
        workdir: Path | None = None) -> Orientation:
    """Orientation and script detection; ``rotate`` 0 when Tesseract cannot tell."""
    check("osd")
    path = _with_image_file(image, workdir)
    try:
        out = _run([str(path), "stdout", "--psm", "0", "--dpi", str(round(dpi)), "-l", "osd"],
                   timeout=timeout, what="osd")
    except OcrError as exc:
        # Too few characters for OSD is an answer ("cannot tell"), not a failure.
        log.debug("OSD gave no answer: %s", exc)
        return Orientation(0, 0.0)
    finally:
        path.unlink(missing_ok=True)
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    conf = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not rotate or not conf:
        return Orientation(0, 0.0)
    return Orientation(int(rotate.group(1)) % 360, float(conf.group(1)))
