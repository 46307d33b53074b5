"""The text layer follows the page's columns: written in Tesseract's block order, one text
object per line, and read back by pdftotext column by column, also across a gutter as narrow
as a magazine's (0.15 inch). The Decree 30 header and footer bands: see test_layers.py and
test_pdfa.py (reference pages)."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest
from support.pages import sealed_pages
from support.pdftools import pdftotext
from support.textmetrics import cer
from trams.scanning import ScanOptions, discover, recognize_documents

from trams.pdf.assemble import write_pdfa


@pytest.fixture(scope="module")
def bulletins(tmp_path_factory) -> dict[str, tuple[Path, object]]:
    """The two-column bulletins, recognized: name -> (ground truth, RecognizedDocument)."""
    folder = sealed_pages()
    names = ("bulletin-300", "bulletin-narrow-300")
    found = discover([folder / f"{n}.png" for n in names])
    work = tmp_path_factory.mktemp("bulletins")
    docs = list(recognize_documents(found.documents, ScanOptions(), jobs=2, workdir=work))
    return {n: (folder / f"{n}.gt.txt", d) for n, d in zip(names, docs, strict=True)}


@pytest.mark.parametrize("name", ["bulletin-300", "bulletin-narrow-300"])
def test_pdftotext_reads_the_columns_one_after_the_other(bulletins, name, tmp_path) -> None:
    truth, document = bulletins[name]
    pdf = write_pdfa(document, None, None, tmp_path / "b.pdf").path
    text = pdftotext(pdf)
    gt = truth.read_text(encoding="utf-8")
    # the ground truth is the left column, then the right one; read line by line across
    # both columns (as before) the page scored 70 %
    assert cer(text, gt) < 0.005, text[:600]


def test_one_text_object_per_line_in_block_order(bulletins, tmp_path) -> None:
    _truth, document = bulletins["bulletin-narrow-300"]
    page = document.pages[0]
    pdf = write_pdfa(document, None, None, tmp_path / "b.pdf").path
    with pikepdf.open(pdf) as doc:
        content = doc.pages[0].Contents.read_bytes().decode("ascii")
    assert content.count("BT 3 Tr") == content.count("ET") == len(page.lines)
    blocks = [line.block for line in page.lines]
    assert blocks == sorted(blocks, key=blocks.index)  # each block's lines together
    assert len(set(blocks)) >= 4  # title, and paragraphs in two columns
    # both columns' sizes differ, and stay under the body size for the narrow gutter
    sizes = sorted({float(s) for s in re.findall(r"/F0 ([\d.]+) Tf", content)})
    assert len(sizes) >= 3
