"""PKCS#11 tokens (USB tokens of officials, SoftHSM2 in tests) through python-pkcs11.

Token by label or slot; key and certificate by label, id (hex) or a substring of the
certificate subject. Labels and subjects are compared after Unicode NFC normalisation and
case folding, so Vietnamese labels typed on another system still match.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pkcs11
from asn1crypto import x509
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11e
from pyhanko.sign.pkcs11 import PKCS11Signer
from trams.signing.keyinfo import KeyInfo, OpenedKey, key_info, normalise

from trams.config import KeySourceConfig
from trams.errors import KeyAccessError
from trams.i18n import _

_WRONG_PIN = (p11e.PinIncorrect, p11e.PinInvalid, p11e.PinLenRange)


@dataclass(frozen=True)
class _TokenCert:
    cert: x509.Certificate
    label: str | None
    cka_id: bytes | None


def _token_name(source: KeySourceConfig) -> str:
    if source.token_label:
        return source.token_label
    return f"slot {source.slot}" if source.slot is not None else str(source.module)


def _open_session(source: KeySourceConfig, secret: str | None):
    where = _token_name(source)
    try:
        lib = pkcs11.lib(str(source.module))
    except (RuntimeError, OSError, p11e.PKCS11Error):
        raise KeyAccessError(_("cannot load the PKCS#11 module"), path=source.module,
                             hint=_("Check the module path, or install the token's driver."),
                             code="pkcs11_module_unusable"
                             ) from None
    token = None
    try:
        for slot in lib.get_slots(token_present=True):
            if source.slot is not None and slot.slot_id != source.slot:
                continue
            candidate = slot.get_token()
            if source.token_label and normalise(candidate.label.strip()) != normalise(
                    source.token_label.strip()):
                continue
            token = candidate
            break
    except p11e.PKCS11Error:
        token = None
    if token is None:
        raise KeyAccessError(_("no token '{token}' found", token=where),
                             hint=_("Plug in the token, or check token_label / slot "
                                    "(`trams keys list` shows what is there)."),
                                    code="token_not_found")
    if secret is not None and not secret:  # an empty answer: no login would follow
        raise KeyAccessError(_("the PIN given for token '{token}' is empty", token=where),
                             hint=_("Give the token's PIN; an empty one never opens it."),
                             code="pin_empty")
    try:
        return token.open(user_pin=secret) if secret else token.open()
    except _WRONG_PIN:
        raise KeyAccessError(_("wrong PIN for token '{token}'", token=where),
                             hint=_("Check the PIN; several wrong PINs lock the token."),
                             code="wrong_pin"
                             ) from None
    except p11e.PKCS11Error as exc:
        raise KeyAccessError(_("cannot open token '{token}' ({reason})", token=where,
                               reason=type(exc).__name__),
                             hint=_("Check the token and its PIN."),
                             code="token_unusable") from None


def _certs_on(session) -> list[_TokenCert]:
    found = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        try:
            der = obj[Attribute.VALUE]
        except p11e.PKCS11Error:
            continue
        label = _attr(obj, Attribute.LABEL)
        cka_id = _attr(obj, Attribute.ID)
        found.append(_TokenCert(x509.Certificate.load(bytes(der)), label, cka_id))
    return found


def _attr(obj, attribute):
    try:
        value = obj[attribute]
    except (p11e.PKCS11Error, KeyError):
        return None
    return value if value not in ("", b"") else None


def _private_keys(session) -> list[tuple[str | None, bytes | None]]:
    return [(_attr(k, Attribute.LABEL), _attr(k, Attribute.ID))
            for k in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})]


def _select(source: KeySourceConfig, certs: list[_TokenCert]) -> list[_TokenCert]:
    chosen = certs
    if source.key_label:
        want = normalise(source.key_label)
        chosen = [c for c in chosen if c.label and normalise(c.label) == want]
    if source.key_id:
        want_id = bytes.fromhex(source.key_id)
        chosen = [c for c in chosen if c.cka_id == want_id]
    if source.cert_subject:
        want = normalise(source.cert_subject)
        chosen = [c for c in chosen if want in normalise(c.cert.subject.human_friendly)]
    return chosen


class LockedPKCS11Signer(PKCS11Signer):
    """One signing operation at a time on the token session (C_SignInit/C_Sign must not
    interleave), even when several documents of a batch are in flight."""

    _lock: asyncio.Lock | None = None

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False):
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            return await super().async_sign_raw(data, digest_algorithm, dry_run)


@contextmanager
def open_token_key(source: KeySourceConfig, *, secret: str | None,
                   extra_chain: list[x509.Certificate]) -> Iterator[OpenedKey]:
    session = _open_session(source, secret)
    try:
        certs = _certs_on(session)
        keys = _private_keys(session)
        key_ids = {k[1] for k in keys if k[1]}
        key_labels = {normalise(k[0]) for k in keys if k[0]}
        with_key = [c for c in _select(source, certs)
                    if (c.cka_id and c.cka_id in key_ids)
                    or (c.label and normalise(c.label) in key_labels)]
        if len(with_key) != 1:
            what = ", ".join(f"{k}={v}" for k, v in (("key_label", source.key_label),
                             ("key_id", source.key_id), ("cert_subject", source.cert_subject))
                             if v) or _("no selector")
            message = (_("no key on token '{token}' matches {what}", token=_token_name(source),
                         what=what) if not with_key else
                       _("{count} keys on token '{token}' match {what}", count=len(with_key),
                         token=_token_name(source), what=what))
            raise KeyAccessError(message, hint=_("Set key_label, key_id or cert_subject; "
                                                 "`trams keys list` shows the keys."),
                                                 code="key_not_found")
        chosen = with_key[0]
        others = [c.cert for c in certs if c is not chosen]
        signer = LockedPKCS11Signer(
            session, signing_cert=chosen.cert, ca_chain=[*others, *extra_chain],
            key_id=chosen.cka_id if chosen.cka_id in key_ids else None,
            key_label=chosen.label if chosen.cka_id not in key_ids else None,
            other_certs_to_pull=(), bulk_fetch=False,
        )
        try:
            signer._load_objects()  # fail now, not in the middle of a batch
        except p11e.PKCS11Error as exc:
            raise KeyAccessError(_("cannot use the key on token '{token}' ({reason})",
                                   token=_token_name(source), reason=type(exc).__name__),
                                 hint=_("Check the token and its PIN."),
                                 code="token_unusable") from None
        yield OpenedKey(signer=signer, certificate=chosen.cert,
                        chain=[*others, *extra_chain], source=_token_name(source))
    finally:
        session.close()


def list_token_keys(source: KeySourceConfig, *, secret: str | None) -> list[KeyInfo]:
    session = _open_session(source, secret)
    try:
        keys = _private_keys(session)
        key_ids = {k[1] for k in keys if k[1]}
        key_labels = {normalise(k[0]) for k in keys if k[0]}
        return [key_info(c.cert, label=c.label, key_id=c.cka_id,
                         has_private_key=bool((c.cka_id and c.cka_id in key_ids) or (
                             c.label and normalise(c.label) in key_labels)))
                for c in _certs_on(session)]
    finally:
        session.close()
