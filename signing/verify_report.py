"""What an auditor's report says about the run itself, and archive labels of the files.

:class:`RunInfo` is the report header: what was checked, when, by which TRAMS version,
against which trust anchors, with which revocation mode, validation time and policy.
:func:`archive_labels` finds a verified file's record code and title in the archive
metadata written beside it (``X.json``, schema ``trams.document/1``, and the record's
``record*.json``); files outside an archive simply have none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509

from trams import __version__


@dataclass(frozen=True)
class RunInfo:
    paths: tuple[str, ...]
    generated: datetime
    version: str
    trust_anchors: tuple[str, ...]  # subjects
    revocation: str  # hard | soft | off
    offline: bool
    validation_time: datetime | None  # None: the time of checking
    policy: str
    agency: str | None = None
    labels: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"paths": list(self.paths), "generated": self.generated.isoformat(),
                "version": self.version, "trust_anchors": list(self.trust_anchors),
                "revocation": self.revocation, "offline": self.offline,
                "validation_time": self.validation_time.isoformat()
                if self.validation_time else None, "policy": self.policy,
                "agency": self.agency}


def run_info(ctx, paths, reports=()) -> RunInfo:
    """The header of a run of ``ctx`` (a VerifyContext) over ``paths``."""
    anchors = tuple(x509.Certificate.load(d).subject.human_friendly for d in ctx.roots)
    return RunInfo(paths=tuple(str(p) for p in paths), generated=datetime.now(UTC),
                   version=__version__, trust_anchors=anchors, revocation=ctx.revocation,
                   offline=ctx.offline, validation_time=ctx.at, policy=ctx.policy,
                   agency=ctx.agency_name,
                   labels={r.path: archive_labels(Path(r.path)) for r in reports})


def archive_labels(pdf: Path) -> tuple[str | None, str | None]:
    """(record or document code, title) from the archive metadata beside ``pdf``."""
    doc = _read_json(pdf.with_suffix(".json"))
    if not doc or doc.get("schema") != "trams.document/1":
        return None, None
    code = doc.get("docCode") or doc.get("recordCode")
    fields = doc.get("fields") or {}
    title = fields.get("subject") or None
    if not title:
        records = sorted(pdf.parent.glob("record*.json"))
        record = _read_json(records[-1]) if records else None
        title = ((record or {}).get("record") or {}).get("title")
    return code, title


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
