"""What a run will do, decided before any page is recognized.

For each document found in the inbox: its content hash (the key that makes a rerun skip
what is archived), its record and document metadata, the inbox entries ("units") it came
from, and whether it is already archived. Everything here is cheap (hashing and naming),
so a bad record code or an unreadable file is reported before hours of OCR.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath

from trams.config import TramsConfig
from trams.errors import InputError, Notice, TramsError
from trams.fs import input_error
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.metadata_io import MetadataFile
from trams.models import DocumentSource, DocumentStatus, SourcePage
from trams.naming import awkward_reason, document_stem, plain_name

_CHUNK = 1 << 20


def _file_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.digest()


def source_hash(pages: Sequence[SourcePage]) -> str:
    """The document's identity: the bytes of its page files and which pages it takes.

    File names are not part of it, so a renamed or moved scan is still recognized as done,
    and a second copy of an archived scan is skipped as a duplicate.
    """
    digest = hashlib.sha256()
    cache: dict[Path, bytes] = {}
    for page in pages:
        if page.path not in cache:
            try:
                cache[page.path] = _file_digest(page.path)
            except OSError as exc:
                raise input_error(exc, page.path) from None
        digest.update(cache[page.path] + page.index.to_bytes(4, "big"))
    return digest.hexdigest()


def unit_of(path: Path, inbox: Path, grouping: str) -> Path:
    """The inbox entry that moves to ``.done``/``.failed`` as a whole for ``path``.

    Folder grouping: the document's folder (a file directly in the inbox is its own unit).
    File and cover-sheet grouping: the file itself.
    """
    if grouping == "folder" and path.parent != inbox and inbox in path.parents:
        return path.parent
    return path


def _unit_for_failure(path: Path, inbox: Path, grouping: str) -> Path:
    if path.is_dir():
        return path
    return unit_of(path, inbox, grouping)


@dataclass
class PlannedDocument:
    source: DocumentSource
    hash: str
    units: tuple[Path, ...]
    record: RecordMetadata | None = None
    document: DocumentMetadata | None = None
    stem: str = ""
    status: DocumentStatus = DocumentStatus.PENDING
    error: TramsError | None = None
    duplicate_of: str | None = None  # an earlier document of this run with the same hash
    warnings: list[Notice] = field(default_factory=list)  # allowed, but worth fixing

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def pages(self) -> int:
        return len(self.source.pages)


def template_name(source_name: str) -> str:
    """``{name}`` of the metadata templates: the input's path without extension, folders
    joined with "_" (``batch1/scan-01.tif`` -> ``batch1_scan-01``), in Unicode NFC (a
    Vietnamese name saved on macOS arrives decomposed, NFD: the same name to a clerk)."""
    path = PurePath(unicodedata.normalize("NFC", source_name))
    parts = [*path.parent.parts, path.stem] if path.suffix else list(path.parts)
    return "_".join(p for p in parts if p not in ("", ".")) or source_name


def metadata_for(source: DocumentSource, position: int, config: TramsConfig,
                 meta_file: MetadataFile | None, used: set[int], *, today: date
                 ) -> tuple[RecordMetadata, DocumentMetadata]:
    """Record and document metadata: cover sheet, else metadata file, else templates."""
    record, document = source.record, source.document
    if record is None and meta_file is not None:
        match = meta_file.for_document(source.name, position, used)
        if match is not None:
            record, document = match
    cfg = config.metadata
    values = {"agency_code": config.agency.code, "agency_name": config.agency.name,
              "year": str(today.year), "date": today.strftime("%Y%m%d"),
              "name": template_name(source.name)}
    try:  # the templates' fields were checked when trams.toml was loaded
        if record is None:
            record = RecordMetadata(fileCode=cfg.file_code.format(**values),
                                    title=cfg.title.format(**values),
                                    paperFileCode=values["name"], language=cfg.language)
        if document is None:
            document = DocumentMetadata(sequence=1, organName=config.agency.name or None,
                                        subject=cfg.subject.format(**values),
                                        language=cfg.language)
    except ValueError as exc:  # pydantic: e.g. an empty or over-long value
        raise InputError(_("the metadata made from the [metadata] templates is not valid "
                           "({reason})", reason=str(exc).splitlines()[0]),
                         hint=_("Check [metadata] file_code, title and subject in trams.toml."),
                         code="metadata_template_invalid",
                         ) from None
    if not document.organName and config.agency.name:
        document = document.model_copy(update={"organName": config.agency.name})
    return record, document


def record_code_warning(code: str, source_name: str) -> Notice | None:
    """A record code that works but will trouble whoever uses the archive (spaces, odd
    signs): a warning with the fix, in dry runs and runs alike."""
    reason = awkward_reason(code)
    if reason is None:
        return None
    return Notice(_("the record code would be '{code}': {reason}", code=code, reason=reason),
                  "record_code_awkward",
                  hint=_("Rename the input (e.g. '{plain}'), or give the record code in the "
                         "metadata file named by [metadata] file in trams.toml.",
                         plain=plain_name(PurePath(source_name).name)))


def plan_documents(documents: Sequence[DocumentSource], *, inbox: Path, grouping: str,
                   config: TramsConfig, meta_file: MetadataFile | None,
                   today: date | None = None) -> list[PlannedDocument]:
    """Hash, name and attach metadata to each document; failures are marked, not raised."""
    today = today or date.today()
    used: set[int] = set()
    names: dict[str, str] = {}
    hashes: dict[str, str] = {}
    planned: list[PlannedDocument] = []
    for position, source in enumerate(documents):
        units = tuple(dict.fromkeys(unit_of(p.path, inbox, grouping) for p in source.pages))
        item = PlannedDocument(source=source, hash="", units=units)
        planned.append(item)
        try:
            item.hash = source_hash(source.pages)
            item.record, item.document = metadata_for(source, position, config, meta_file,
                                                      used, today=today)
            item.stem = document_stem(source.name, item.record, item.document)
        except TramsError as exc:
            item.status, item.error = DocumentStatus.FAILED, exc
            continue
        code_warning = record_code_warning(item.record.fileCode, source.name)
        if code_warning is not None:
            item.warnings.append(code_warning)
        if item.hash in hashes:
            item.status, item.duplicate_of = DocumentStatus.SKIPPED, hashes[item.hash]
            continue
        hashes[item.hash] = source.name
        if item.stem in names:
            item.status, item.error = DocumentStatus.FAILED, InputError(
                _("documents {first} and {second} would both be archived as {name}",
                  first=names[item.stem], second=source.name, name=item.stem),
                hint=_("Give each document its own record code or sequence number in the "
                       "metadata."), code="name_collision")
            continue
        names[item.stem] = source.name
    return planned
