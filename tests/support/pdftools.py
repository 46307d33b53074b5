"""Test helpers: turn a reference scan into a RecognizedPage with real Tesseract.

The scanning package does this in production; here it is done directly (pytesseract TSV
-> Lines/Words) so that trams.pdf is tested on real OCR output, independently.
"""

from __future__ import annotations

import json
import os
import subprocess
import unicodedata
from pathlib import Path

import pytesseract
from PIL import Image

from support.textmetrics import best_cer as _best_cer
from trams.models import Line, PageQuality, RecognizedPage, SourcePage, Word
from trams.pdf.images import encode_page


def ocr_lines(image: Image.Image, lang: str = "vie") -> tuple[Line, ...]:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    data = pytesseract.image_to_data(image, lang=lang, output_type=pytesseract.Output.DICT)
    groups: dict[tuple, list[Word]] = {}
    for i, text in enumerate(data["text"]):
        if not text or not text.strip():
            continue
        x, y, w, h = (data[k][i] for k in ("left", "top", "width", "height"))
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        groups.setdefault(key, []).append(
            Word(unicodedata.normalize("NFC", text), (x, y, x + w, y + h), float(data["conf"][i])))
    lines = []
    for words in groups.values():
        box = (min(w.box[0] for w in words), min(w.box[1] for w in words),
               max(w.box[2] for w in words), max(w.box[3] for w in words))
        lines.append(Line(tuple(words), box))
    return tuple(lines)


def recognize(scan: Path, workdir: Path, *, deskew: bool = True, lossless: bool = False,
              mode: str | None = None) -> RecognizedPage:
    """OCR ``scan`` (deskewed with the generator's known angle) into a RecognizedPage."""
    image = Image.open(scan)
    image.load()
    dpi = tuple(float(v) for v in image.info.get("dpi", (300, 300)))
    meta = scan.with_name(scan.name.split(".")[0] + ".meta.json")
    if deskew and meta.is_file():
        angle = json.loads(meta.read_text())["angle_deg"]
        image = image.rotate(-angle, resample=Image.BICUBIC, fillcolor=255)
    if mode:
        image = image.convert(mode)
    lines = ocr_lines(image)
    encoded = encode_page(image, workdir / scan.stem, lossless=lossless)
    words = [w for line in lines for w in line.words]
    mean = sum(w.confidence for w in words) / len(words) if words else 0.0
    return RecognizedPage(source=SourcePage(scan), image=encoded, dpi=dpi, lines=lines,
                          quality=PageQuality(dpi=dpi[0], mean_confidence=mean,
                                              word_count=len(words)))


def best_cer(page_gt: Path, text: str) -> float:
    """``textmetrics.best_cer`` for ``text``, given the page's ``pageNN.gt.txt``: the better
    fitting of its column-order and row-order ground truths."""
    return _best_cer(text, page_gt.with_name(page_gt.name.split(".")[0]))


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run(args + [str(pdf), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
