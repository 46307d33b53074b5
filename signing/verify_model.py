"""Frozen results of verification, with ``to_dict()`` (the JSON schema: verify_schema.md).

Messages (warnings, named changes, policy findings) are kept language-neutral as an English
msgid plus named parameters, and translated when rendered (``Note.text(lang)``), so one
result can be reported in Vietnamese and in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trams.signing.notecodes import note_code

from trams import labels
from trams.i18n import N_, translate_to
from trams.rules import ERROR, INDETERMINATE, TOTAL_FAILED, TOTAL_PASSED, worst


@dataclass(frozen=True)
class Note:
    """One message: an English msgid with ``{named}`` placeholders and their values."""

    msgid: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, msgid: str, **params: object) -> Note:
        return cls(msgid, tuple((k, str(v)) for k, v in params.items()))

    def text(self, lang: str = "en") -> str:
        """The note in ``lang``; a parameter naming an identifier (an ETSI indication, a
        role) is shown by its name (trams.labels); JSON keeps it as it is."""
        params = {k: labels.name(k, v, lang) if k in labels.TABLES else v
                  for k, v in self.params}
        return translate_to(lang, self.msgid, **params)

    @property
    def code(self) -> str:
        """The machine code (docs/codes.md), the same in every language."""
        return note_code(self.msgid)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message_id": self.msgid, "params": dict(self.params),
                "text": self.text("en")}


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


@dataclass(frozen=True)
class CertInfo:
    common_name: str | None
    organization: str | None
    serial_number: str | None  # subject serialNumber attribute (e.g. CMND/CCCD, MST)
    subject: str
    issuer: str
    cert_serial: str  # hex
    not_before: datetime
    not_after: datetime
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "common_name": self.common_name, "organization": self.organization,
            "serial_number": self.serial_number, "subject": self.subject,
            "issuer": self.issuer, "certificate_serial": self.cert_serial,
            "valid_from": _iso(self.not_before), "valid_to": _iso(self.not_after),
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class TimestampInfo:
    time: datetime
    authority: str  # TSA certificate subject
    trusted: bool
    intact: bool
    problem: str | None  # ETSI sub-indication of the timestamp, if any

    def to_dict(self) -> dict[str, Any]:
        return {"time": _iso(self.time), "authority": self.authority, "trusted": self.trusted,
                "intact": self.intact, "problem": self.problem}


@dataclass(frozen=True)
class Revocation:
    status: str  # good | revoked | unknown | not_checked
    source: str | None  # embedded | fetched | None
    revoked_at: datetime | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "source": self.source,
                "revoked_at": _iso(self.revoked_at), "reason": self.reason}


@dataclass(frozen=True)
class ProofOfExistence:
    """What proves the signature existed at ``time`` (its best signature time)."""

    kind: str  # signature_timestamp | document_timestamp | none (validation time only)
    time: datetime | None
    field_name: str | None = None  # the document timestamp's field

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "time": _iso(self.time), "field_name": self.field_name}


NO_POE = ProofOfExistence("none", None)


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    index: int  # 1-based, in signing order
    signer: CertInfo | None
    claimed_signing_time: datetime | None
    timestamp: TimestampInfo | None
    digest_algorithm: str | None
    signature_algorithm: str | None  # rsassa_pkcs1v15 | rsassa_pss | ecdsa | ...
    key: str | None  # e.g. "RSA-2048", "EC-P-256"
    intact: bool
    crypto_valid: bool
    coverage: str  # whole_file | revision | partial
    revision: int  # the revision the signature covers (1-based)
    revisions: int  # revisions in the file
    changes_after: str  # none | allowed | disallowed
    changes: tuple[Note, ...]  # what changed after it (allowed ones and disallowed ones)
    docmdp: str | None  # none | fill_forms | annotate | no_changes (certification level)
    trust_anchor: str | None  # subject of the anchor the path ends at, or None
    trust_path: tuple[str, ...]
    revocation: Revocation
    level: str  # B-B | B-T | B-LT | B-LTA
    indication: str
    sub_indication: str | None
    passed_via_timestamp: bool
    warnings: tuple[Note, ...]
    problems: tuple[Note, ...]  # why the indication is not TOTAL_PASSED
    poe: ProofOfExistence = NO_POE

    @property
    def passed(self) -> bool:
        return self.indication == TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name, "index": self.index,
            "signer": self.signer.to_dict() if self.signer else None,
            "claimed_signing_time": _iso(self.claimed_signing_time),
            "timestamp": self.timestamp.to_dict() if self.timestamp else None,
            "digest_algorithm": self.digest_algorithm,
            "signature_algorithm": self.signature_algorithm, "key": self.key,
            "intact": self.intact, "crypto_valid": self.crypto_valid,
            "coverage": self.coverage, "revision": self.revision,
            "revisions": self.revisions, "changes_after": self.changes_after,
            "changes": [n.to_dict() for n in self.changes], "docmdp": self.docmdp,
            "trust_anchor": self.trust_anchor, "trust_path": list(self.trust_path),
            "revocation": self.revocation.to_dict(), "level": self.level,
            "indication": self.indication, "sub_indication": self.sub_indication,
            "passed_via_timestamp": self.passed_via_timestamp,
            "proof_of_existence": self.poe.to_dict(),
            "warnings": [n.to_dict() for n in self.warnings],
            "problems": [n.to_dict() for n in self.problems],
        }


@dataclass(frozen=True)
class DocTimestampReport:
    field_name: str
    revision: int | None
    timestamp: TimestampInfo | None  # None when the token could not be read at all
    indication: str = TOTAL_PASSED
    sub_indication: str | None = None
    warnings: tuple[Note, ...] = ()
    problems: tuple[Note, ...] = ()

    @property
    def passed(self) -> bool:
        return self.indication == TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        ts = self.timestamp.to_dict() if self.timestamp else {
            "time": None, "authority": None, "trusted": False, "intact": False,
            "problem": self.sub_indication}
        return {"field_name": self.field_name, "revision": self.revision, **ts,
                "indication": self.indication, "sub_indication": self.sub_indication,
                "warnings": [n.to_dict() for n in self.warnings],
                "problems": [n.to_dict() for n in self.problems]}


@dataclass(frozen=True)
class PolicyResult:
    name: str  # vn-dual | any | copy
    passed: bool
    leader_field: str | None = None
    agency_field: str | None = None
    findings: tuple[Note, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "leader_field": self.leader_field,
                "agency_field": self.agency_field,
                "findings": [n.to_dict() for n in self.findings]}


@dataclass(frozen=True)
class FileReport:
    path: str
    size: int | None
    sha256: str | None
    verdict: str  # TOTAL_PASSED | TOTAL_FAILED | INDETERMINATE | ERROR
    signatures: tuple[SignatureReport, ...] = ()
    doc_timestamps: tuple[DocTimestampReport, ...] = ()
    policy: PolicyResult | None = None
    error: Note | None = None
    validation_time: datetime | None = None
    seconds: float = 0.0
    warnings: tuple[Note, ...] = ()  # about the file (e.g. structure damage repaired)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "size": self.size, "sha256": self.sha256,
            "verdict": self.verdict,
            "validation_time": _iso(self.validation_time),
            "signatures": [s.to_dict() for s in self.signatures],
            "doc_timestamps": [d.to_dict() for d in self.doc_timestamps],
            "policy": self.policy.to_dict() if self.policy else None,
            "error": self.error.to_dict() if self.error else None,
            "warnings": [n.to_dict() for n in self.warnings],
            "seconds": round(self.seconds, 4),
        }

    def summary(self) -> dict[str, Any]:
        """A short dict for batch runners and archive checks."""
        return {"path": self.path, "verdict": self.verdict,
                "signatures": len(self.signatures),
                "passed": sum(s.passed for s in self.signatures),
                "policy": self.policy.name if self.policy else None,
                "policy_passed": self.policy.passed if self.policy else None,
                "error": self.error.text("en") if self.error else None}


# Change names (msgids) used by verify_changes; collected here so the .po test sees them.
CHANGE_NAMES = (
    N_("later signature '{field}'"),
    N_("document timestamp '{field}'"),
    N_("validation data added (DSS)"),
    N_("form fields filled"),
    N_("annotations added, changed or removed"),
    N_("page {page} added"),
    N_("page {page} removed"),
    N_("content of page {page} changed"),
    N_("annotation added on page {page} ({kind})"),
    N_("annotation removed or changed on page {page}"),
    N_("other change not allowed after signing: {detail}"),
    N_("data appended after the last revision, outside any cross-reference section"),
)

__all__ = ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE", "ERROR", "Note", "CertInfo",
           "ProofOfExistence", "NO_POE",
           "TimestampInfo", "Revocation", "SignatureReport", "DocTimestampReport",
           "PolicyResult", "FileReport", "worst"]
