"""Trust anchors and pyHanko validation contexts, shared by signing and verification.

Trust roots come from ``[trust]`` in trams.toml and ``--trust``: certificates as CAs ship
them, PEM or DER, one per file or PEM bundles, PKCS#7 certificate bundles (``.p7b`` /
``.p7c``, PEM or DER), or folders of such files (searched recursively: ``.pem``, ``.crt``,
``.cer``, ``.der``, ``.p7b``, ``.p7c``). The national root and the Government Cipher
Committee's specialised CA are configured the same way (domain.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from asn1crypto import cms, pem, x509
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.api import FetcherBackend

from trams.errors import ConfigError
from trams.i18n import _

CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der", ".p7b", ".p7c")


def load_certificates(paths: Iterable[Path]) -> list[x509.Certificate]:
    """Every certificate in the given files and folders (recursively), each once."""
    certs: list[x509.Certificate] = []
    seen: set[bytes] = set()
    for path in paths:
        path = Path(path)
        files = (sorted(p for p in path.rglob("*") if p.is_file()
                        and p.suffix.lower() in CERT_SUFFIXES)
                 if path.is_dir() else [path])
        for file in files:
            for cert in _read_certificate_file(file):
                if cert.sha256 not in seen:
                    seen.add(cert.sha256)
                    certs.append(cert)
    return certs


def _from_der(der: bytes) -> list[x509.Certificate]:
    """A DER certificate, or the certificates of a DER PKCS#7 (CMS SignedData) bundle."""
    if der[:1] == b"\x30":
        try:
            info = cms.ContentInfo.load(der)
            if info["content_type"].native == "signed_data":
                return [c.chosen for c in info["content"]["certificates"]
                        if c.name == "certificate"]
        except ValueError:
            pass
    cert = x509.Certificate.load(der)
    cert.native  # noqa: B018 - force parsing now, not at first use
    return [cert]


def _read_certificate_file(file: Path) -> list[x509.Certificate]:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(
            _("cannot read the trust certificate ({reason})", reason=exc.strerror),
            path=file, hint=_("Check the paths under [trust] in trams.toml."),
            code="trust_file_unreadable",
        ) from None
    try:
        if pem.detect(data):
            certs = []
            for kind, _h, der in pem.unarmor(data, True):
                if kind in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                    certs.append(x509.Certificate.load(der))
                elif kind in ("PKCS7", "CMS", "CERTIFICATE CHAIN"):
                    certs += _from_der(der)
            if not certs:
                raise ValueError("no certificate in the PEM file")
            return certs
        certs = _from_der(data)
        if not certs:
            raise ValueError("no certificate in the bundle")
        return certs
    except ValueError:
        raise ConfigError(
            _("not a certificate or PKCS#7 certificate bundle (PEM or DER)"), path=file,
            hint=_("Check the paths under [trust] in trams.toml."), code="trust_file_invalid",
        ) from None


def build_validation_context(
    roots: Iterable[x509.Certificate],
    *,
    intermediates: Iterable[x509.Certificate] = (),
    allow_fetching: bool = True,
    moment: datetime | None = None,
    fetcher_backend: FetcherBackend | None = None,
    crls: Iterable[object] = (),
    ocsps: Iterable[object] = (),
    revocation_mode: str = "soft-fail",
) -> ValidationContext:
    """A pyHanko ValidationContext trusting exactly ``roots``.

    ``revocation_mode="soft-fail"`` checks revocation where the status can be fetched
    (Circular 15/2025 asks for a check; an unreachable responder is a warning, not a refusal).
    Reuse one context for a whole batch: it caches fetched OCSP responses and CRLs.
    """
    kwargs: dict = {}
    if fetcher_backend is not None:
        kwargs["fetcher_backend"] = fetcher_backend
    return ValidationContext(
        trust_roots=list(roots),
        other_certs=list(intermediates),
        allow_fetching=allow_fetching,
        moment=moment,
        crls=list(crls),
        ocsps=list(ocsps),
        revocation_mode=revocation_mode,
        **kwargs,
    )
