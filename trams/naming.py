"""Safe file names built from metadata (record codes, sequence numbers, dossier codes).

Metadata comes from clerks, cover sheets and CSV files, so a value that becomes a file or
folder name is checked before use: it must be one plain path component that cannot escape
the output folder and that every file system TRAMS writes to (ext4, NTFS, exFAT on USB
disks, SMB shares) accepts unchanged. Nothing is silently rewritten: a bad value is an
error naming it, so the archived name always equals the record code the clerk typed.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePath

from trams.errors import InputError
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata

MAX_NAME_BYTES = 200  # well under 255 (ext4, NTFS), leaving room for suffixes like ".pdf"
_FORBIDDEN = set('/\\:*?"<>|')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


def unsafe_reason(name: str) -> str | None:
    """Why ``name`` is not a safe single file name, or None when it is."""
    if not name or not name.strip():
        return _("the name is empty")
    if name in (".", "..") or name.startswith("."):
        return _("the name starts with a dot")
    if name != name.strip():
        return _("the name starts or ends with a space")
    if name.endswith("."):
        return _("the name ends with a dot")
    bad = sorted({ch for ch in name if ch in _FORBIDDEN})
    if bad:
        return _("the name contains {chars}", chars=" ".join(bad))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return _("the name contains control characters")
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        return _("the name is reserved on Windows")
    if unicodedata.normalize("NFC", name) != name:
        return _("the name is not in Unicode NFC form")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return _("the name is longer than {limit} bytes", limit=MAX_NAME_BYTES)
    return None


def awkward_reason(name: str) -> str | None:
    """Why a safe ``name`` still makes a poor record code (a space, a sign other than
    '.', '-' and '_'), or None. Such a code works, but every folder and file of the record
    carries it, and scripts and URLs stumble on it."""
    if any(ch.isspace() for ch in name):
        return _("it contains spaces")
    odd = sorted({ch for ch in name if not (ch.isalnum() or ch in ".-_")})
    if odd:
        return _("it contains {chars}", chars=" ".join(odd))
    return None


def plain_name(name: str) -> str:
    """``name`` with runs of spaces and odd signs made one '-' (a suggestion to the user)."""
    out = "".join(ch if ch.isalnum() or ch in ".-_" else "-" for ch in name)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or name


def safe_filename(name: str, *, what: str = "file name") -> str:
    """Return ``name`` unchanged when it is a safe single file name; raise InputError if not.

    ``what`` says where the value came from (e.g. "fileCode"), for the message.
    """
    reason = unsafe_reason(name)
    if reason is not None:
        raise InputError(
            _("'{name}' cannot be used as a file name ({what}): {reason}",
              name=name, what=what, reason=reason),
            hint=_("Correct the value in the metadata; use letters, digits, '.', '-' and '_'."),
            code="name_unusable",
        )
    return name


def record_stem(record: RecordMetadata, document: DocumentMetadata | None = None) -> str:
    """The Circular 05/2025 file name stem of a document: the record's ``fileCode`` + "."
    + the document's 7-digit sequence number (``DocumentMetadata.file_stem``), checked."""
    doc = document or DocumentMetadata()
    safe_filename(record.fileCode, what="fileCode")
    return safe_filename(doc.file_stem(record), what="fileCode + sequence")


def document_stem(source_name: str, record: RecordMetadata | None = None,
                  document: DocumentMetadata | None = None) -> str:
    """File name stem (without ``.pdf``) of a digitized document, checked safe.

    With metadata: :func:`record_stem`. Without: the input's name without its extension,
    folders joined with "_" (``a/b/scan.tif`` -> ``a_b_scan``).
    """
    if record is not None:
        return record_stem(record, document)
    path = PurePath(source_name)
    parts = [*path.parent.parts, path.stem] if path.suffix else list(path.parts)
    parts = [p for p in parts if p not in ("", ".")]
    return safe_filename("_".join(parts) or source_name, what="input name")
