"""Small frozen results of the archive API, and the JSON files written beside each PDF."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trams import __version__
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.models import QualityReport, SignatureRecord

# A verifier is injected by the caller (the CLI wires trams.signing.verify), so the core
# never imports the signing package. It takes a PDF path and returns at least
# {"verdict": "TOTAL_PASSED" | "TOTAL_FAILED" | "INDETERMINATE" | "ERROR", ...}, like
# trams.signing.verify.FileReport.summary(); it must not raise for an invalid signature.
Verifier = Callable[[Path], Mapping[str, Any]]


@dataclass(frozen=True)
class ArchivedDocument:
    status: str  # "archived" (new file or new version) | "unchanged" (same content: no-op)
    doc_code: str
    record_code: str
    sequence: int
    version: int
    folder: Path  # the record folder (the bag)
    pdf: Path
    metadata: Path  # the document's .json
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "doc_code": self.doc_code,
                "record_code": self.record_code, "sequence": self.sequence,
                "version": self.version, "folder": str(self.folder), "pdf": str(self.pdf),
                "metadata": str(self.metadata), "sha256": self.sha256}


@dataclass(frozen=True)
class KeptQuality:
    """The quality report of an archived version, carried unchanged into a new version of
    the same document (a renewal changes the signatures' validation data, not the OCR)."""

    data: Mapping[str, Any]

    @property
    def verdict(self) -> str | None:
        value = self.data.get("verdict")
        return value if isinstance(value, str) else None

    @property
    def mean_confidence(self) -> float | None:
        return mean_confidence(self.data)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.data)


def canonical(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def record_key(record: RecordMetadata) -> str:
    return hashlib.sha256(canonical(record.to_dict())).hexdigest()


def content_key(document: DocumentMetadata, pdf_sha256: str, sidecar: bytes | None) -> str:
    """What makes "the same document again": same PDF bytes, fields and sidecar text."""
    sidecar_sha = hashlib.sha256(sidecar).hexdigest() if sidecar is not None else None
    return hashlib.sha256(canonical(
        {"pdf": pdf_sha256, "fields": document.to_dict(), "sidecar": sidecar_sha})).hexdigest()


def pretty(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


def record_json(record: RecordMetadata, *, agency_code: str, version: int,
                archived_at: str) -> bytes:
    return pretty({"schema": "trams.record/1", "version": version, "agencyCode": agency_code,
                   "createdAt": archived_at, "software": f"trams {__version__}",
                   "record": record.to_dict()})


def document_json(record: RecordMetadata, document: DocumentMetadata, *, version: int,
                  pdf_name: str, sha256: str, size: int, page_count: int,
                  signatures: Sequence[SignatureRecord], verdict: str | None,
                  quality: QualityReport | KeptQuality | None,
                  sidecar_name: str | None, source_hash: str, archived_at: str,
                  previous: str | None) -> bytes:
    return pretty({
        "schema": "trams.document/1",
        "docCode": document.doc_code(record),
        "recordCode": record.fileCode,
        "sequence": document.sequence,
        "version": version,
        "previousVersion": previous,
        "file": pdf_name,
        "sha256": sha256,
        "size": size,
        "pageCount": page_count,
        "fields": document.to_dict(),
        "signatureVerdict": verdict,
        "signatures": [s.to_dict() for s in signatures],
        "quality": quality.to_dict() if quality is not None else None,
        "sidecar": sidecar_name,
        "sourceSha256": source_hash,
        "archivedAt": archived_at,
        "software": f"trams {__version__}",
    })


def mean_confidence(quality: Mapping[str, Any] | None) -> float | None:
    """The mean OCR confidence of a quality report as archived (its JSON form): the mean of
    its pages', as :attr:`trams.models.QualityReport.mean_confidence` computes it."""
    if not quality:
        return None
    value = quality.get("mean_confidence")
    if isinstance(value, int | float):
        return float(value)
    pages = [p.get("mean_confidence") for p in quality.get("pages", []) if isinstance(p, dict)]
    pages = [float(p) for p in pages if isinstance(p, int | float)]
    return sum(pages) / len(pages) if pages else None
