"""Trust anchors: load PEM/DER certificates from files or folders, build validation contexts.

Shared by signing (pre-signing certificate checks) and verification. Anchors come from
``--trust`` options and from ``[trust]`` in ``trams.toml`` (for example the national root CA
and the Government specialized CA of Ban Cơ yếu Chính phủ, Circular 15/2025). The operating
system's TLS store is never used: a PDF signature is trusted only through an anchor the user
configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from asn1crypto import pem, x509

from trams.errors import ConfigError
from trams.i18n import _

CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der", ".cert")


def _certs_from_bytes(data: bytes, source: Path) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    try:
        if pem.detect(data):
            for kind, _headers, der in pem.unarmor(data, multiple=True):
                if kind == "CERTIFICATE":
                    certs.append(x509.Certificate.load(der))
        else:
            cert = x509.Certificate.load(data)
            cert.native  # noqa: B018 - force a full parse so bad DER fails here
            certs.append(cert)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            _("not a PEM or DER certificate ({detail})", detail=str(exc)[:80]), path=source,
            hint=_("Give a certificate file (.pem, .crt, .cer, .der) or a folder of them."),
        ) from exc
    return certs


def load_certificates(paths: Iterable[Path | str]) -> list[x509.Certificate]:
    """Every certificate in the given files and folders (folders recursively, by suffix).

    Duplicates are dropped. A missing path or an unreadable file raises :class:`ConfigError`.
    """
    seen: set[bytes] = set()
    result: list[x509.Certificate] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in CERT_SUFFIXES)
        elif path.is_file():
            files = [path]
        else:
            raise ConfigError(_("trust anchor file or folder not found"), path=path,
                              hint=_("Check the --trust option or [trust] in trams.toml."))
        for file in files:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise ConfigError(_("cannot read certificate file ({detail})",
                                    detail=exc.strerror or str(exc)), path=file) from exc
            for cert in _certs_from_bytes(data, file):
                digest = cert.sha256
                if digest not in seen:
                    seen.add(digest)
                    result.append(cert)
    return result


def validation_context(
    roots: list[x509.Certificate],
    *,
    intermediates: list[x509.Certificate] | None = None,
    revocation: str = "soft",
    offline: bool = False,
    moment: datetime | None = None,
):
    """A pyHanko ``ValidationContext`` trusting exactly ``roots``.

    ``revocation``: ``hard`` (status must be known), ``soft`` (unknown status is accepted
    with a warning), ``off`` (not checked). ``offline``: use only embedded validation data.
    ``moment``: validate as of that time (implies offline, as pyHanko cannot fetch
    historical status).
    """
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )

    rule = {
        "hard": RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        "soft": RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
        "off": RevocationCheckingRule.NO_CHECK,
    }[revocation]
    policy = CertRevTrustPolicy(RevocationCheckingPolicy(ee_certificate_rule=rule,
                                                         intermediate_ca_cert_rule=rule))
    return ValidationContext(
        trust_roots=list(roots),
        other_certs=list(intermediates or []),
        moment=moment,
        allow_fetching=not offline and moment is None,
        revinfo_policy=policy,
    )
