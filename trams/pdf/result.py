"""What every PDF/A writer returns, and the PDF/A levels it can write (used by the
assembly of scanned pages, :mod:`.assemble`, and the conversion of born-digital PDFs,
:mod:`.convert`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trams.errors import InputError
from trams.i18n import _

# PDF/A level -> (part, conformance)
PDFA_LEVELS = {"1b": (1, "B"), "2b": (2, "B"), "2u": (2, "U")}


def check_level(level: str) -> tuple[int, str]:
    """The (part, conformance) of a PDF/A level name; an unknown name is refused."""
    if level not in PDFA_LEVELS:
        raise InputError(_("unknown PDF/A level '{level}'", level=level),
                         hint=_("Use one of: {levels}.", levels=", ".join(PDFA_LEVELS)),
                         code="pdfa_level_unknown")
    return PDFA_LEVELS[level]


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int
    bytes: int
    sha256: str
    level: str = "2b"

    def to_dict(self) -> dict:
        return {"path": str(self.path), "pages": self.pages, "bytes": self.bytes,
                "sha256": self.sha256, "pdfa": self.level}
