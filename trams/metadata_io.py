"""Read record and document metadata (Circular 05/2025) from a TOML, JSON or CSV file.

TOML / JSON::

    [record]                      # one record (hồ sơ) for every document
    fileCode = "000.00.00.H42.2024.HS-01"
    title = "Hồ sơ ..."

    [[documents]]                 # optional: one table per document
    source = "scan-001.tif"       # optional: the input (file or folder name) it describes
    sequence = 1
    subject = "Về việc ..."

A single ``[document]`` table is accepted for one document. A document table may carry
its own ``record`` table.

CSV (UTF-8, header row; one row per document): columns named after the fields.
``record.<field>`` and ``document.<field>`` name a model explicitly; an unprefixed name
goes to the only model that has it, and to the document when both have it (``language``,
``keyword``, ``mode``, ``confidenceLevel``, ``description``, ``numberOfPage``). Column
``source`` names the input. Empty cells are absent values.

Matching (:meth:`MetadataFile.for_document`): an entry whose ``source`` equals the input
document's name (or its file stem); else the next entry without ``source``, in input order;
else, when the file has a record and no document entries, that record with
``sequence`` = the document's position (1, 2, ...).
"""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePath

from pydantic import ValidationError

from trams.errors import InputError
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata

_RECORD_FIELDS = set(RecordMetadata.model_fields)
_DOC_FIELDS = set(DocumentMetadata.model_fields)


@dataclass(frozen=True)
class MetadataEntry:
    record: RecordMetadata
    document: DocumentMetadata | None
    source: str | None = None


@dataclass(frozen=True)
class MetadataFile:
    path: Path
    entries: tuple[MetadataEntry, ...]
    record: RecordMetadata | None = None  # the shared record, when the file has one

    def for_document(self, name: str, position: int, used: set[int] | None = None
                     ) -> tuple[RecordMetadata, DocumentMetadata] | None:
        """Metadata for input document ``name`` at ``position`` (0-based) in the batch.

        ``used`` collects the entries already given out, so that entries without a
        ``source`` are handed out in order; pass the same set for a whole batch.
        """
        used = used if used is not None else set()
        stem = PurePath(name).stem
        for i, entry in enumerate(self.entries):
            if entry.source is not None and entry.source in (name, stem, PurePath(name).name):
                used.add(i)
                return entry.record, entry.document or DocumentMetadata(sequence=position + 1)
        for i, entry in enumerate(self.entries):
            if entry.source is None and i not in used:
                used.add(i)
                return entry.record, entry.document or DocumentMetadata(sequence=position + 1)
        if self.record is not None and not self.entries:
            return self.record, DocumentMetadata(sequence=position + 1)
        return None


def _error(path: Path, reason: str) -> InputError:
    return InputError(_("invalid metadata file: {reason}", reason=reason), path=path,
                      hint=_("Fix the file; field names are those of Circular 05/2025, e.g. "
                             "fileCode, title, sequence, subject."), code="metadata_invalid")


def _validate(model, data: dict, path: Path, where: str):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(k) for k in err["loc"]) or "?"
        raise _error(path, _("{where}: field '{field}': {message}", where=where, field=field,
                             message=err["msg"])) from None


def _record(data: dict, path: Path, where: str, code: str | None) -> RecordMetadata:
    """A record table, its ``fileCode`` given by ``code`` when the caller names one."""
    if code is not None:
        found = data.get("fileCode", code)
        if found != code:
            raise InputError(_("the metadata file is for record {other}, not {code}",
                               other=found, code=code), path=path,
                             hint=_("Give the record code the file describes, or correct "
                                    "fileCode in the file."), code="metadata_record_mismatch")
        data = {**data, "fileCode": code}
    return _validate(RecordMetadata, data, path, where)


def _from_mapping(data: dict, path: Path, code: str | None = None) -> MetadataFile:
    if not isinstance(data, dict):
        raise _error(path, _("the top level must be a table/object"))
    unknown = set(data) - {"record", "document", "documents"}
    if unknown:
        raise _error(path, _("unknown fields: {keys}", keys=", ".join(sorted(unknown))))
    shared = _record(data["record"], path, _("record"), code) if "record" in data else None
    docs = data.get("documents", [])
    if "document" in data:
        docs = [data["document"], *docs]
    if not isinstance(docs, list):
        raise _error(path, _("'documents' must be a list of tables"))
    entries = []
    for n, item in enumerate(docs, start=1):
        if not isinstance(item, dict):
            raise _error(path, _("document {n} is not a table", n=n))
        item = dict(item)
        source = item.pop("source", None)
        own = item.pop("record", None)
        record = shared
        if own:
            record = _record(own, path, _("record of document {n}", n=n), code)
        if record is None:
            raise _error(path, _("document {n} has no record (fileCode)", n=n))
        document = _validate(DocumentMetadata, item, path, _("document {n}", n=n))
        entries.append(MetadataEntry(record, document, str(source) if source else None))
    if shared is None and not entries:
        raise _error(path, _("no [record] and no documents"))
    return MetadataFile(path, tuple(entries), shared)


def _from_csv(text: str, path: Path, code: str | None = None) -> MetadataFile:
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise _error(path, _("the CSV file has no rows"))
    entries = []
    for n, row in enumerate(rows, start=2):  # line numbers, header is line 1
        record: dict[str, str] = {}
        document: dict[str, str] = {}
        source = None
        for column, value in row.items():
            if column is None or value is None or value == "":
                continue
            column = column.strip()
            if column == "source":
                source = value
            elif column.startswith("record."):
                record[column[7:]] = value
            elif column.startswith("document."):
                document[column[9:]] = value
            elif column in _DOC_FIELDS:
                document[column] = value
            elif column in _RECORD_FIELDS:
                record[column] = value
            else:
                raise _error(path, _("unknown column '{column}'", column=column))
        entries.append(MetadataEntry(
            _record(record, path, _("line {n}", n=n), code),
            _validate(DocumentMetadata, document, path, _("line {n}", n=n)), source))
    return MetadataFile(path, tuple(entries))


def load_metadata(path: Path, *, record_code: str | None = None) -> MetadataFile:
    """Parse a metadata file (by suffix: .toml, .json, .csv); InputError when invalid.

    ``record_code``: every record is that record (``fileCode`` may then be left out, and a
    different one is an error), as for `trams archive add --record CODE`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(_("cannot read the metadata file ({reason})",
                           reason=getattr(exc, "strerror", None) or str(exc)), path=path,
                         hint=_("Check the path and that the file is UTF-8 text."),
                         code="metadata_unreadable") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return _from_mapping(tomllib.loads(text), path, record_code)
        if suffix == ".json":
            return _from_mapping(json.loads(text), path, record_code)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise _error(path, str(exc)) from None
    if suffix == ".csv":
        return _from_csv(text, path, record_code)
    raise InputError(_("unknown metadata file type '{suffix}'", suffix=suffix), path=path,
                     hint=_("Use a .toml, .json or .csv file."), code="metadata_type_unknown")
