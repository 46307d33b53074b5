"""Every message of trams.pdf, trams.naming, trams.metadata_io and `trams ocr` is in pdf.po."""

from __future__ import annotations

import string
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FILES = [*sorted((ROOT / "trams" / "pdf").glob("*.py")), ROOT / "trams" / "naming.py",
         ROOT / "trams" / "metadata_io.py", ROOT / "app" / "ocr.py",
         ROOT / "cli" / "commands" / "ocr.py"]


def test_pdf_po_translates_every_message() -> None:
    with (ROOT / "trams" / "locale" / "vi" / "pdf.po").open("rb") as fh:
        catalogue = {m.id: m.string for m in read_po(fh, locale="vi") if m.id}
    ids = set()
    for path in FILES:
        for _line, message, _c, _ctx in extract_from_file("python", path,
                                                          keywords={"_": None, "N_": None}):
            ids.add(message)
    assert len(ids) > 40
    missing = sorted(m for m in ids if not catalogue.get(m))
    assert not missing, missing

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    assert all(fields(m) == fields(catalogue[m]) for m in ids)
