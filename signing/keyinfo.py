"""What an open key source is, and what `trams keys list` shows of a certificate: the types
shared by PKCS#12/PEM files (:mod:`trams.signing.keys`) and tokens
(:mod:`trams.signing.pkcs11`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509
from pyhanko.sign.signers import Signer


@dataclass(frozen=True)
class KeyInfo:
    """One certificate found in a key source, as `trams keys list` shows it."""

    subject: str
    issuer: str
    serial: str  # hex
    not_before: datetime
    not_after: datetime
    key_usage: tuple[str, ...]
    has_private_key: bool
    label: str | None = None  # PKCS#11 label
    key_id: str | None = None  # PKCS#11 CKA_ID, hex

    def to_dict(self) -> dict:
        return {
            "subject": self.subject, "issuer": self.issuer, "serial": self.serial,
            "not_before": self.not_before.isoformat(), "not_after": self.not_after.isoformat(),
            "key_usage": list(self.key_usage), "has_private_key": self.has_private_key,
            "label": self.label, "key_id": self.key_id,
        }


def key_info(cert: x509.Certificate, *, has_private_key: bool, label: str | None = None,
             key_id: bytes | None = None) -> KeyInfo:
    usage = cert.key_usage_value
    return KeyInfo(
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
        key_usage=tuple(sorted(usage.native)) if usage is not None else (),
        has_private_key=has_private_key,
        label=label,
        key_id=key_id.hex() if key_id else None,
    )


@dataclass
class OpenedKey:
    """An open key source: the pyHanko signer and the certificates it signs with."""

    signer: Signer
    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)
    source: str = ""  # for messages: the file or token, never a secret

    @property
    def subject(self) -> str:
        return self.certificate.subject.human_friendly

    @property
    def common_name(self) -> str:
        return _name_attr(self.certificate, "common_name") or self.subject

    @property
    def title(self) -> str | None:
        return _name_attr(self.certificate, "title")


def _name_attr(cert: x509.Certificate, attr: str) -> str | None:
    value = cert.subject.native.get(attr)
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def normalise(text: str) -> str:
    """Unicode-normalised, case-folded text for matching labels and subjects."""
    return unicodedata.normalize("NFC", text).casefold()
