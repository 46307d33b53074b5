"""Where things go in the archive: record folders from the layout template, file names.

A record folder is ``ROOT / template.format(...)``, default
``{agency_code}/{year}/{file_code}/``. Every value put into the template is one plain path
component checked by :func:`trams.naming.unsafe_reason` (no separator, no control character,
no ``.``/``..``, no Windows reserved name such as ``CON`` or ``NUL``); a bad value is refused
with an :class:`~trams.errors.ArchiveError` naming it, never rewritten. The result must stay
inside the archive root, also through symbolic links.

Inside a record folder (a BagIt bag, RFC 8493)::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/record.json                        record fields (Circular 05/2025)
    data/<fileCode>.<seq7>.pdf              the signed document (Circular 05/2025 name)
    data/<fileCode>.<seq7>.json             its fields, SHA-256, pages, signatures, quality
    data/<fileCode>.<seq7>.txt              optional sidecar text

Versions: an archived file is never replaced. When a document with the same code is added
again with different content, the new files get ``.v2``, ``.v3``... before the extension
(``<fileCode>.<seq7>.v2.pdf``); version 1 keeps the plain name. ``record.json`` is versioned
the same way (``record.v2.json``) when the record's fields change. The highest version is
the current one; all versions stay in the bag and in its manifest.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from trams.errors import ArchiveError
from trams.i18n import _
from trams.metadata import RecordMetadata
from trams.naming import unsafe_reason

DEFAULT_LAYOUT = "{agency_code}/{year}/{file_code}/"
FIELDS = ("agency_code", "year", "file_code")
STATE_DIR = ".trams"
PAYLOAD_DIR = "data"
RECORD_JSON = "record"


@dataclass(frozen=True)
class Layout:
    template: str = DEFAULT_LAYOUT

    def __post_init__(self) -> None:
        parts = [p for p in self.template.replace("\\", "/").split("/") if p]
        try:
            fields = [f for _t, f, _s, _c in string.Formatter().parse(self.template)
                      if f is not None]
        except ValueError as exc:
            raise ArchiveError(_("the archive layout '{template}' is not a valid template "
                                 "({reason})", template=self.template, reason=str(exc)),
                               hint=_("Fix [archive] layout in trams.toml."),
                               code="archive_layout_invalid") from None
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise ArchiveError(
                _("the archive layout '{template}' uses unknown fields: {fields}",
                  template=self.template, fields=", ".join(unknown)),
                hint=_("Use only {fields} in [archive] layout.",
                       fields="{agency_code}, {year}, {file_code}"), code="archive_layout_invalid")
        if "file_code" not in fields:
            raise ArchiveError(
                _("the archive layout '{template}' must contain {field}",
                  template=self.template, field="{file_code}"),
                hint=_("Each record needs its own folder; add {field} to [archive] layout.",
                       field="{file_code}"), code="archive_layout_invalid")
        if self.template.startswith(("/", "\\")) or any(p in (".", "..") for p in parts):
            raise ArchiveError(
                _("the archive layout '{template}' leaves the archive folder",
                  template=self.template),
                hint=_("Use a relative layout without '..', e.g. {layout}.", layout=DEFAULT_LAYOUT),
                code="archive_layout_invalid")

    def relative_folder(self, record: RecordMetadata, *, agency_code: str,
                        when: date | None = None) -> str:
        """The record folder relative to the archive root, with every value checked."""
        year = (record.startDate or when or date.today()).year
        values = {"agency_code": agency_code, "year": str(year), "file_code": record.fileCode}
        for name, value in values.items():
            check_component(value, what=name)
        rel = self.template.format(**values)
        parts = [p for p in rel.split("/") if p]
        for part in parts:  # literal parts of the template, checked like values
            check_component(part, what="layout")
        return "/".join(parts)

    def record_folder(self, root: Path, record: RecordMetadata, *, agency_code: str,
                      when: date | None = None) -> Path:
        rel = self.relative_folder(record, agency_code=agency_code, when=when)
        folder = root / rel
        ensure_inside(root, folder)
        return folder


def check_component(value: str, *, what: str) -> str:
    reason = unsafe_reason(value) if "%" not in value else _("the name contains %")
    if reason is not None:
        raise ArchiveError(
            _("'{value}' cannot be used in an archive path ({what}): {reason}",
              value=value, what=what, reason=reason),
            hint=_("Correct the value in the metadata or the configuration; "
                   "use letters, digits, '.', '-' and '_'."), code="archive_path_unsafe")
    return value


def ensure_inside(root: Path, path: Path) -> None:
    """Refuse ``path`` if it (or a symbolic link on the way) leads outside ``root``."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if os.path.commonpath([real_root, real]) != real_root or real == real_root:
        raise ArchiveError(_("the record folder would be outside the archive"), path=path,
                           hint=_("Remove the symbolic link or correct the metadata."),
                           code="archive_path_outside")


def versioned(stem: str, version: int, suffix: str) -> str:
    """``stem.pdf`` for version 1, ``stem.v2.pdf`` for version 2, and so on."""
    return f"{stem}{suffix}" if version == 1 else f"{stem}.v{version}{suffix}"
