"""What the search index holds of each archived document (:class:`IndexEntry`), read
from its bag: the document's and its record's JSON, and its text (the run's OCR text, else
the sidecar text, else the PDF's text layer). :func:`describe`, :func:`document_files` and
:func:`load_text` also serve ``archive search``, ``show`` and ``renew``, which read the
bags without the index.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from trams.archive import vitext
from trams.archive.layout import PAYLOAD_DIR, RECORD_JSON, versioned
from trams.archive.pdftext import pdf_text
from trams.errors import TramsError

log = logging.getLogger(__name__)

# Administrative-procedure dossier codes (Circular 01/2023/TT-VPCP): receiving agency's
# code, receipt date YYMMDD, sequence of the day, optional result suffix (-KQ1).
DOSSIER = re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}(?:-KQ\d+)?\b")
ROLE_BITS = {"leader": 1, "agency": 2, "officer": 4}  # any other role: 8


# --- what is indexed ----------------------------------------------------------------------
@dataclass(frozen=True)
class IndexEntry:
    """One archived document as the index holds it (built from its bag)."""

    id: int  # the state database's row id of this version
    replaces: tuple[int, ...]  # row ids of its earlier versions (removed from the index)
    text: str  # the text layer
    meta_text: str  # searchable metadata: codes, title, subject, organ, signers
    signer_text: str
    agency: str
    record_code: str
    types: tuple[str, ...]  # typeName code and the notation's kind (qd, ttr, ...)
    day: int | None  # yyyymmdd: issue date, else archiving date
    row: tuple  # the docs.sqlite row (DOC_COLUMNS)
    text_source: str = "given"  # given | sidecar | pdf | none
    pdf_exists: bool = True


def _vn_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
    try:
        return date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(value[:10])
    except ValueError:
        return None


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.info("cannot read %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def document_files(root: Path, row: dict) -> tuple[Path, Path, Path]:
    """(record folder, the document's .json, its record.json) of a state row."""
    folder = root / row["folder"]
    data = folder / PAYLOAD_DIR
    record_version = max(1, int(row["record"].get("version") or 1))
    return (folder, data / (row["pdf"][: -len(".pdf")] + ".json"),
            data / versioned(RECORD_JSON, record_version, ".json"))


def roles_of(signatures: Iterable[Any]) -> list[str]:
    return sorted({str(s.get("role")) for s in signatures if isinstance(s, dict)
                   and s.get("role")})


def role_bits(roles: Iterable[str]) -> int:
    return sum({ROLE_BITS.get(r, 8) for r in roles})


@dataclass(frozen=True)
class Described:
    """What a result shows of a document, from its bag (the document's and record's JSON)."""

    title: str | None
    subject: str | None
    type_code: str | None
    notation: str | None  # number/notation, e.g. 67/QĐ-UBND
    issued: date | None
    signers: tuple[str, ...]
    roles: tuple[str, ...]
    text_file: str | None  # the sidecar text, relative to the archive root
    record: dict
    fields: dict


def describe(root: Path, row: dict) -> Described:
    _folder, doc_json, record_json = document_files(root, row)
    doc = _read_json(doc_json)
    record = _read_json(record_json).get("record") or {}
    fields = doc.get("fields") if isinstance(doc.get("fields"), dict) else {}
    signatures = doc.get("signatures") if isinstance(doc.get("signatures"), list) else []
    signers = [str(s["signer"]) for s in signatures
               if isinstance(s, dict) and isinstance(s.get("signer"), str)]
    if isinstance(fields.get("autograph"), str):
        signers.append(fields["autograph"])
    number, notation = fields.get("codeNumber"), fields.get("codeNotation")
    return Described(
        title=record.get("title"), subject=fields.get("subject"),
        type_code=fields.get("typeName"),
        notation=f"{number}/{notation}" if number and notation else notation or number,
        issued=_vn_date(fields.get("issuedDate")), signers=tuple(signers),
        roles=tuple(roles_of(signatures)),
        text_file=(f"{row['folder']}/{PAYLOAD_DIR}/{doc['sidecar']}"
                   if isinstance(doc.get("sidecar"), str) else None),
        record=record, fields=fields)


def dossier_of(row: dict, about: Described) -> str | None:
    codes = [row["record_code"], row["doc_code"], about.record.get("paperFileCode"),
             about.fields.get("docCode"), about.record.get("keyword"),
             about.fields.get("keyword")]
    for code in codes:
        if isinstance(code, str) and (m := DOSSIER.search(code)):
            return m[0]
    if "officer" in about.roles:  # signed under the one-stop "dossier" profile
        return row["record_code"]
    return None


def entry_for(root: Path, row: dict, *, text: str | None = None,
              replaces: Iterable[int] = ()) -> IndexEntry:
    """The index entry of the archived document ``row`` (a state ``documents`` row with its
    ``id``).

    Everything comes from the bag: the document's JSON, its record's JSON, and the text:
    ``text`` when the caller has it (the run's OCR text), else the sidecar text in the bag,
    else the PDF's text layer (pdftotext). A document whose files cannot be read is indexed
    with what is left (its codes), never dropped: ``archive check`` reports the damage.
    """
    about = describe(root, row)
    pdf = root / row["folder"] / PAYLOAD_DIR / row["pdf"]
    source = "given"
    if text is None:
        text, source = load_text(root, pdf.relative_to(root).as_posix(), about.text_file)
    archived = str(row.get("archived_at") or "")
    day = about.issued or _vn_date(archived[:10]) or None
    types = [str(about.type_code)] if about.type_code else []
    notation = about.fields.get("codeNotation")
    if isinstance(notation, str) and notation.strip():
        types.append(vitext.fold(notation.split("-")[0].strip()))
    meta_parts = [row["doc_code"], row["record_code"], about.title, about.subject,
                  about.fields.get("organName"), about.notation,
                  about.record.get("paperFileCode"), about.record.get("keyword"),
                  about.fields.get("keyword"), about.record.get("description"),
                  about.fields.get("description"), *about.signers]
    return IndexEntry(
        id=int(row["id"]), replaces=tuple(i for i in replaces if i != int(row["id"])),
        text=text, meta_text="\n".join(str(p) for p in meta_parts if p),
        signer_text=" ".join(about.signers), agency=row.get("agency_code") or "",
        record_code=row["record_code"], types=tuple(types),
        day=int(day.strftime("%Y%m%d")) if day else None,
        row=(int(row["id"]), about.type_code,
             int(about.issued.strftime("%Y%m%d")) if about.issued else None,
             role_bits(about.roles), dossier_of(row, about)),
        text_source=source, pdf_exists=pdf.is_file())


def load_text(root: Path, pdf: str, text_file: str | None) -> tuple[str, str]:
    """(text, where from) of a document in its bag: the sidecar text if kept, else the
    PDF's text layer; ("", "none") when neither can be read."""
    if text_file:
        try:
            return (root / text_file).read_text(encoding="utf-8"), "sidecar"
        except OSError as exc:
            log.info("cannot read %s: %s", text_file, exc)
    if not (root / pdf).is_file():
        return "", "none"
    try:
        return pdf_text(root / pdf), "pdf"
    except TramsError as exc:  # indexed by its metadata; `archive check` judges the file
        log.info("%s", exc.one_line())
        return "", "none"
