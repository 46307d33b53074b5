"""The current version of each archived document, read back from its bag: the PDF, the
record and document metadata, the quality report and the sidecar text, ready to be
archived again as a new version (``trams archive renew``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trams.archive.index_entry import document_files
from trams.archive.layout import PAYLOAD_DIR
from trams.archive.records import KeptQuality
from trams.archive.store import Archive
from trams.errors import ArchiveError
from trams.fs import read_json_object
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata


@dataclass(frozen=True)
class CurrentDocument:
    doc_code: str
    record_code: str
    version: int
    pdf: Path
    record: RecordMetadata
    document: DocumentMetadata
    data: dict[str, Any]  # the document's JSON in the bag
    source_hash: str
    page_count: int
    sidecar_text: str | None

    @property
    def quality(self) -> KeptQuality | None:
        quality = self.data.get("quality")
        return KeptQuality(quality) if isinstance(quality, dict) else None

    @property
    def signatures(self) -> list[dict[str, Any]]:
        return [s for s in self.data.get("signatures") or [] if isinstance(s, dict)]


def current_documents(archive: Archive, *, records: tuple[str, ...] = ()
                      ) -> Iterator[CurrentDocument]:
    """The newest version of every document (of ``records`` only, when given), in the
    order they were archived. A bag whose JSON cannot be read raises ArchiveError naming
    it (``trams archive check`` says more)."""
    newest: dict[tuple[str, int], dict] = {}
    for row in archive.state.documents():
        if records and row["record_code"] not in records:
            continue
        key = (row["folder"], row["sequence"])
        if key not in newest or row["version"] > newest[key]["version"]:
            newest[key] = row
    for row in sorted(newest.values(), key=lambda r: r["archived_at"]):
        yield _read(archive.root, row)


def _read(root: Path, row: dict) -> CurrentDocument:
    folder, doc_json, record_json = document_files(root, row)
    data, record_data = read_json_object(doc_json), read_json_object(record_json)
    try:
        record = RecordMetadata.model_validate(record_data["record"])
        document = DocumentMetadata.model_validate(data["fields"])
    except (KeyError, ValueError):
        raise ArchiveError(_("the archived metadata of {code} cannot be read",
                             code=row["doc_code"]), path=doc_json,
                           hint=_("Run `trams archive check` to find out why.")) from None
    sidecar = data.get("sidecar")
    text = None
    if isinstance(sidecar, str):
        try:
            text = (folder / PAYLOAD_DIR / sidecar).read_text(encoding="utf-8")
        except OSError:
            raise ArchiveError(_("the archived text of {code} cannot be read",
                                 code=row["doc_code"]), path=folder / PAYLOAD_DIR / sidecar,
                               hint=_("Run `trams archive check` to find out why.")) from None
    return CurrentDocument(
        doc_code=row["doc_code"], record_code=row["record_code"], version=row["version"],
        pdf=folder / PAYLOAD_DIR / row["pdf"], record=record, document=document, data=data,
        source_hash=str(data.get("sourceSha256") or row["source_hash"]),
        page_count=int(row["page_count"] or 0), sidecar_text=text)
