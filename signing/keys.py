"""Key sources: PKCS#12 files, PEM key + certificate, PKCS#11 tokens -> a pyHanko Signer.

A key source is opened ONCE per batch (:func:`open_key_source`) and the Signer it yields
signs every document of the batch. Secrets (passphrase, PIN) are passed in by the caller:
the CLI prompts for them, or :func:`resolve_secret` reads the environment variable or file
named in trams.toml. They are never put on a command line, in a log or in an error message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params
from trams.signing.keyinfo import KeyInfo, OpenedKey, key_info
from trams.signing.pkcs11 import list_token_keys, open_token_key
from trams.signing.trust import load_certificates

from trams import labels
from trams.config import KeySourceConfig, TramsConfig, read_secret
from trams.errors import ConfigError, KeyAccessError
from trams.i18n import _
from trams.rules import PROFILES

log = logging.getLogger(__name__)

SIGNING_USAGES = ("digital_signature", "non_repudiation")


class CachedKeySigner(SimpleSigner):
    """SimpleSigner whose private key is parsed and checked once, not at every signature.

    pyHanko's SimpleSigner re-parses (and for RSA re-validates) the key for every raw
    signature; in a batch that is most of the signing time. The signature itself is still
    made by ``cryptography`` with the same mechanism selection as SimpleSigner.
    """

    def __init__(self, *args, crypto_key, **kwargs):
        super().__init__(*args, **kwargs)
        self._crypto_key = crypto_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mech = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mech.signature_algo
        key = self._crypto_key
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            padding, hash_algo = process_pss_params(mech["parameters"])
            return key.sign(data, padding, hash_algo)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)


def _simple_signer(crypto_key, cert_der: bytes, chain: list[x509.Certificate]) -> SimpleSigner:
    cert = x509.Certificate.load(cert_der)
    key_info_der = crypto_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    registry = SimpleCertificateStore.from_certs([cert, *chain])
    return CachedKeySigner(
        signing_cert=cert, signing_key=asn1_keys.PrivateKeyInfo.load(key_info_der),
        cert_registry=registry, crypto_key=crypto_key,
    )


def secret_label(source: KeySourceConfig, role: str | None) -> str:
    """What a source's secret is called in messages: "PIN of the agency key", ...; without
    a role (a key source given on the command line), "... of the selected key"."""
    kind = _("PIN") if source.kind == "pkcs11" else _("passphrase")
    if role is None:
        return _("{kind} of the selected key", kind=kind)
    return _("{kind} of the {role} key", kind=kind, role=labels.role(role))


def resolve_secret(source: KeySourceConfig, *, what: str,
                   prompt: Callable[[str], str] | None = None) -> str | None:
    """The PIN/passphrase from the env var or file in config, else from ``prompt``."""
    value = read_secret(env=source.secret_env, file=source.secret_file, what=what)
    if value is None and prompt is not None:
        value = prompt(what)
    return value


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyAccessError(_("cannot read the key file ({reason})", reason=exc.strerror),
                             path=path, hint=_("Check the key source path in trams.toml."),
                             code="key_file_unreadable"
                             ) from None


def _load_pkcs12(source: KeySourceConfig, secret: str | None):
    assert source.path is not None
    data = _read(source.path)
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, secret.encode() if secret else None)
    except ValueError:
        raise KeyAccessError(
            _("wrong passphrase, or not a PKCS#12 file"), path=source.path,
            hint=_("Check the passphrase given through the environment variable, the secret "
                   "file or the prompt."), code="wrong_passphrase",
        ) from None
    if key is None or cert is None:
        raise KeyAccessError(_("the PKCS#12 file holds no private key with its certificate"),
                             path=source.path,
                             hint=_("Export the key together with its certificate."),
                             code="p12_without_key")
    chain = [x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra]
    return key, cert.public_bytes(serialization.Encoding.DER), chain


def _load_pem(source: KeySourceConfig, secret: str | None):
    assert source.path is not None and source.cert is not None
    data = _read(source.path)
    try:
        key = serialization.load_pem_private_key(data, secret.encode() if secret else None)
    except TypeError:
        raise KeyAccessError(_("the private key is encrypted and no passphrase was given"),
                             path=source.path,
                             hint=_("Name the passphrase's environment variable or file in "
                                    "trams.toml (secret_env, secret_file)."),
                                    code="passphrase_missing") from None
    except ValueError:
        raise KeyAccessError(_("wrong passphrase, or not a PEM private key"), path=source.path,
                             hint=_("Check the passphrase and the file."),
                             code="wrong_passphrase") from None
    certs = load_certificates([source.cert])
    if not certs:
        raise KeyAccessError(_("no certificate in the file"), path=source.cert,
                             hint=_("Give the signer's certificate in PEM form."),
                             code="certificate_missing")
    return key, certs[0].dump(), certs[1:]


@contextmanager
def open_key_source(source: KeySourceConfig, *, secret: str | None) -> Iterator[OpenedKey]:
    """Open a key source once; yields an :class:`OpenedKey` whose signer signs many times."""
    extra_chain = load_certificates(source.chain) if source.chain else []
    if source.kind == "pkcs11":
        with open_token_key(source, secret=secret, extra_chain=extra_chain) as opened:
            yield opened
        return
    loader = _load_pkcs12 if source.kind == "pkcs12" else _load_pem
    key, cert_der, chain = loader(source, secret)
    chain = [*chain, *extra_chain]
    signer = _simple_signer(key, cert_der, chain)
    yield OpenedKey(signer=signer, certificate=signer.signing_cert, chain=chain,
                    source=str(source.path))


def list_keys(source: KeySourceConfig, *, secret: str | None) -> list[KeyInfo]:
    """Every certificate in a PKCS#12/PEM file or on a token, for `trams keys list`."""
    if source.kind == "pkcs11":
        return list_token_keys(source, secret=secret)
    loader = _load_pkcs12 if source.kind == "pkcs12" else _load_pem
    _key, cert_der, chain = loader(source, secret)
    chain = [*chain, *(load_certificates(source.chain) if source.chain else [])]
    infos = [key_info(x509.Certificate.load(cert_der), has_private_key=True)]
    infos += [key_info(c, has_private_key=False) for c in chain]
    return infos


def require_source(source: KeySourceConfig | None, role: str) -> KeySourceConfig:
    if source is None:
        raise ConfigError(
            _("no key source is configured for the {role} signature", role=labels.role(role)),
            hint=_("Add [signing.{role}] to trams.toml or give the key on the command line.",
                   role=role), code="key_source_missing",
        )
    return source


def profile_sources(config: TramsConfig) -> dict[str, KeySourceConfig]:
    """The key source of each role the configured profile signs with, in signing order
    (ConfigError if one is missing)."""
    return {role: require_source(getattr(config.signing, role), role)
            for role in PROFILES[config.signing.profile].roles}
