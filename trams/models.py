"""Small result records passed between stages (and between processes: all picklable).

scans -> :class:`RecognizedPage` (cleaned, OCRed, image already encoded for the PDF)
      -> :class:`RecognizedDocument` -> PDF/A file -> signed file -> archived record.
Pixel coordinates have their origin at the top-left of the (cleaned) page image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trams.clock import iso_vn
from trams.errors import TramsError

if TYPE_CHECKING:  # annotations only: a page worker needs the page records, not pydantic
    from trams.metadata import DocumentMetadata, RecordMetadata


@dataclass(frozen=True)
class Word:
    text: str  # Unicode NFC
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels
    confidence: float  # 0-100, as Tesseract reports it


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]
    box: tuple[int, int, int, int]
    # Tesseract's block on the page (a column, a header cell...); 0 when unknown. The text
    # layer writes the lines of a block together, so text extraction follows its columns.
    block: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class EncodedImage:
    """A page image already encoded as a PDF image stream, stored in a file."""

    path: Path  # raw stream bytes, embedded as they are
    filter: str  # "/DCTDecode", "/FlateDecode" or "/CCITTFaxDecode"
    colorspace: str  # "/DeviceGray" or "/DeviceRGB"
    bits_per_component: int  # 1 or 8
    width: int
    height: int
    decode_parms: dict[str, int | bool] | None = None


@dataclass(frozen=True)
class PageQuality:
    """What a clerk needs to judge a page; recorded in the document's quality report."""

    dpi: float
    skew_degrees: float = 0.0  # skew found (and corrected unless originals are kept)
    rotation_fixed: int = 0  # 0, 90, 180 or 270 degrees turned to make the page upright
    mean_confidence: float = 0.0
    low_confidence_share: float = 0.0  # share of words under the low-confidence threshold
    word_count: int = 0
    blank: bool = False
    problems: tuple[str, ...] = ()  # machine codes, e.g. "low_dpi"

    def to_dict(self) -> dict:
        return {
            "dpi": round(self.dpi, 1),
            "skew_degrees": round(self.skew_degrees, 2),
            "rotation_fixed": self.rotation_fixed,
            "mean_confidence": round(self.mean_confidence, 1),
            "low_confidence_share": round(self.low_confidence_share, 3),
            "word_count": self.word_count,
            "blank": self.blank,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class SourcePage:
    """Where a page comes from: a file and a page index inside it (0 for single images)."""

    path: Path
    index: int = 0


@dataclass(frozen=True)
class RecognizedPage:
    source: SourcePage
    image: EncodedImage
    dpi: tuple[float, float]  # x, y resolution of ``image``
    lines: tuple[Line, ...]  # in reading order
    quality: PageQuality

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def size_points(self) -> tuple[float, float]:
        """Page size in PDF points, from the image's pixels and dpi (an A4 scan stays A4)."""
        return (self.image.width * 72.0 / self.dpi[0], self.image.height * 72.0 / self.dpi[1])


@dataclass(frozen=True)
class DocumentSource:
    """A document found in the input: its pages, and metadata from a cover sheet if any."""

    name: str  # a stable, human-readable id (file or folder name)
    pages: tuple[SourcePage, ...]
    record: RecordMetadata | None = None
    document: DocumentMetadata | None = None
    dropped_pages: tuple[SourcePage, ...] = ()  # cover sheets, blank pages dropped
    # Every page of one PDF whose text is kept (born digital, or an OCR layer kept on
    # request): converted to PDF/A as it is, never recognized.
    born_digital: bool = False


@dataclass(frozen=True)
class RecognizedDocument:
    source: DocumentSource
    pages: tuple[RecognizedPage, ...]
    verdict: str = "ok"  # ok | review | failed (OCR quality gate)
    notes: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\f".join(p.text for p in self.pages)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def work_files(self) -> tuple[Path, ...]:
        """The encoded page images the workers wrote (deleted once the PDF is written)."""
        return tuple(p.image.path for p in self.pages)


@dataclass(frozen=True)
class BornDigitalDocument:
    """A PDF whose pages already carry their text (exported from Word, or an OCR layer kept
    on request): not recognized, converted to PDF/A as it is (:mod:`trams.pdf.convert`)."""

    source: DocumentSource  # every page of one PDF, in order
    text: str  # as extracted from the PDF; pages separated by form feeds
    page_kinds: tuple[str, ...] = ()  # per page: text, ocr_layer, image, vector, empty
    verdict: str = "ok"  # ok | review (some pages have no text)
    notes: tuple[str, ...] = field(default=())

    @property
    def path(self) -> Path:
        return self.source.pages[0].path

    @property
    def page_count(self) -> int:
        return len(self.source.pages)

    @property
    def work_files(self) -> tuple[Path, ...]:
        return ()

@dataclass(frozen=True)
class SignatureRecord:
    """One signature of a document, as the run's summary, its log and the archive record
    it: made by the signer for what it signed, or from the verification of a file signed
    elsewhere (``trams archive add``)."""

    field: str  # the signature field's name
    signer: str  # the signer certificate's subject
    role: str | None = None  # leader | agency | officer, when TRAMS signed in that role
    signing_time: datetime | None = None  # claimed by the signer (CMS signingTime)
    level: str | None = None  # PAdES baseline level
    tsa_url: str | None = None  # the time-stamping server that answered
    indication: str | None = None  # ETSI verdict, when verified

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "field": self.field, "signer": self.signer,
                "signing_time": iso_vn(self.signing_time) if self.signing_time else None,
                "level": self.level, "tsa_url": self.tsa_url, "indication": self.indication}


@dataclass(frozen=True)
class QualityReport:
    """What OCR made of a document, page by page: the clerk's and the archive's view
    (``NAME.quality.json``, the archived document's ``quality``)."""

    document: str  # the source name
    verdict: str  # ok | review | failed (the worst page decides)
    pages: tuple[tuple[SourcePage, PageQuality], ...] = ()  # recognized pages
    notes: tuple[str, ...] = ()
    dropped_pages: tuple[SourcePage, ...] = ()
    pdf: dict[str, Any] | None = None  # the PDF written (trams.pdf.assemble.PdfResult)
    # a born-digital document (no OCR): each page's kind (text, ocr_layer, image, ...)
    page_kinds: tuple[tuple[SourcePage, str], ...] = ()

    @classmethod
    def of(cls, document: RecognizedDocument | BornDigitalDocument,
           pdf: dict[str, Any] | None = None) -> QualityReport:
        common = {"document": document.source.name, "verdict": document.verdict,
                  "notes": document.notes, "dropped_pages": document.source.dropped_pages,
                  "pdf": pdf}
        if isinstance(document, BornDigitalDocument):
            return cls(**common, page_kinds=tuple(
                zip(document.source.pages, document.page_kinds, strict=False)))
        return cls(**common, pages=tuple((p.source, p.quality) for p in document.pages))

    @property
    def born_digital(self) -> bool:
        return bool(self.page_kinds)

    @property
    def mean_confidence(self) -> float | None:
        values = [q.mean_confidence for _, q in self.pages]
        return sum(values) / len(values) if values else None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": QUALITY_SCHEMA_VERSION,
            "pdf": self.pdf,
            "document": self.document,
            "verdict": self.verdict,
            "notes": list(self.notes),
            "dropped_pages": [{"file": str(p.path), "index": p.index}
                              for p in self.dropped_pages],
        }
        if self.born_digital:  # no OCR figures: each page's kind
            data["born_digital"] = True
            data["pages"] = [{"number": n, "file": str(source.path), "index": source.index,
                              "kind": kind}
                             for n, (source, kind) in enumerate(self.page_kinds, start=1)]
        else:
            data["pages"] = [{"number": n, "file": str(source.path), "index": source.index,
                              **quality.to_dict()}
                             for n, (source, quality) in enumerate(self.pages, start=1)]
        return data


QUALITY_SCHEMA_VERSION = 1


class DocumentStatus(StrEnum):
    """Where a document of a batch stands."""

    PENDING = "pending"  # planned, not yet done
    PLANNED = "planned"  # what a dry run would do
    SKIPPED = "skipped"  # already archived (same content), or a duplicate in this batch
    ARCHIVED = "archived"
    FAILED = "failed"
    NOT_STARTED = "not_started"  # planned, but the run stopped before reaching it


@dataclass(frozen=True)
class InputFailure:
    """A file that discovery could not use (unreadable, not a scan); the others go on."""

    path: Path
    error: TramsError

    @property
    def message(self) -> str:
        return self.error.one_line()

    def to_dict(self) -> dict[str, Any]:
        return {**self.error.to_dict(), "path": str(self.path)}


@dataclass(frozen=True)
class Discovery:
    """What an inbox holds: documents, the files that could not be used, and the files
    that are not scans (left where they are)."""

    documents: tuple[DocumentSource, ...]
    failures: tuple[InputFailure, ...] = ()
    ignored: tuple[Path, ...] = ()


@dataclass(frozen=True)
class DocumentFailure:
    """A document that could not be recognized; the rest of the batch went on."""

    source: DocumentSource
    error: TramsError

    @property
    def message(self) -> str:
        return self.error.one_line()

    def to_dict(self) -> dict[str, Any]:
        return {**self.error.to_dict(), "document": self.source.name}
