"""`trams doctor`, signing part: trust roots, key sources, certificates, TSA, OCSP, CRL.

Every check is a :class:`~trams.doctor.Check` (a verdict, never an exception). The same code
as signing does the work: :func:`~trams.signing.trust.load_certificates` for the trust roots,
:func:`~trams.signing.keys.open_key_source` for each key (PKCS#12 decrypts; PKCS#11 module
loads, token present, PIN accepted, key found), the Circular 15/2025 pre-signing checks
(:func:`~trams.signing.checks.async_check_certificate`) with a :class:`SigningBatch`'s
validation context, and :meth:`SigningBatch.ensure_timestamper` for each TSA. OCSP
responders and CRL distribution points named in the certificates are fetched with
pyhanko-certvalidator's fetchers, with the TSA timeout.

Secrets come only from ``secret_env`` / ``secret_file``: the doctor never prompts, and a
missing secret is a FAIL with its fix. No message holds a secret.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import aiohttp
from asn1crypto import x509
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.authority import AuthorityWithCert
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import Fetchers
from trams.signing.batch import SigningBatch, TsaSpec
from trams.signing.checks import async_check_certificate
from trams.signing.keys import OpenedKey, open_key_source, secret_label
from trams.signing.sign import build_specs
from trams.signing.trust import load_certificates

from trams import labels
from trams.config import KeySourceConfig, TramsConfig, read_secret
from trams.doctor import Check
from trams.errors import ConfigError, ExitCode, NetworkError, TramsError
from trams.i18n import _, _n
from trams.rules import LONG_TERM_LEVELS, PROFILES, ROLES

# Levels whose signatures embed revocation data: an unreachable OCSP/CRL is a FAIL there.
_FETCH_ERRORS = (cv_errors.OCSPFetchError, cv_errors.CRLFetchError, aiohttp.ClientError,
                 OSError)  # OSError covers TimeoutError


def check_signing(config: TramsConfig) -> list[Check]:
    """Trust roots, then each key source the profile needs or trams.toml names, then TSA."""
    trust, roots, intermediates = check_trust(config)
    checks = [trust]
    timeout = config.tsa.timeout_seconds
    with SigningBatch(trust_roots=roots, intermediates=intermediates,
                      on_certificate_problem=config.signing.on_certificate_problem,
                      fetch_timeout_seconds=timeout) as batch:
        backend = AIOHttpFetcherBackend(per_request_timeout=timeout)
        try:
            fetchers = backend.get_fetchers()
            for role in roles_to_check(config):
                checks += check_key_source(config, role, batch=batch, fetchers=fetchers,
                                           known=[*roots, *intermediates])
            checks.append(check_tsa(config, batch=batch))
        finally:
            batch.run(backend.close())
    return checks


def roles_to_check(config: TramsConfig) -> list[str]:
    needed = PROFILES[config.signing.profile].roles
    return [r for r in ROLES if r in needed or getattr(config.signing, r) is not None]


# --- trust roots -----------------------------------------------------------------------------
def check_trust(config: TramsConfig) -> tuple[Check, list[x509.Certificate],
                                              list[x509.Certificate]]:
    try:
        roots = load_certificates(config.trust.roots)
        intermediates = load_certificates(config.trust.intermediates)
    except ConfigError as exc:
        return Check.from_error("trust", exc), [], []
    if not roots:
        where = ", ".join(str(p) for p in config.trust.roots) or "-"
        return Check.fail(
            "trust", _("no trust root certificate found ([trust] roots: {paths})", paths=where),
            _("Put the root CA certificates (PEM or DER) in the folder or files named by "
              "[trust] roots.")), [], intermediates
    now = datetime.now(UTC)
    names = ", ".join(_short_name(c) for c in roots)
    expired = [c for c in roots if c.not_valid_after < now]
    if expired:
        return Check.warn(
            "trust", _("expired trust root: {names}",
                       names=", ".join(_short_name(c) for c in expired)),
            _("Replace it with the CA's current root certificate.")), roots, intermediates
    return (Check.ok("trust", _n("{count} trust root: {names}", "{count} trust roots: {names}",
                                 len(roots), count=len(roots), names=names)),
            roots, intermediates)


def _short_name(cert: x509.Certificate) -> str:
    cn = cert.subject.native.get("common_name")
    if isinstance(cn, list):
        cn = cn[0] if cn else None
    return cn or cert.subject.human_friendly


# --- key sources -----------------------------------------------------------------------------
def check_key_source(config: TramsConfig, role: str, *, batch: SigningBatch,
                     fetchers: Fetchers, known: list[x509.Certificate]) -> list[Check]:
    """appearance.<role> (roles of the profile), then secret.<role>, key.<role>,
    certificate.<role>, revocation.<role>: each of these only when the one before passed
    (a key that does not open has no certificate to check)."""
    source: KeySourceConfig | None = getattr(config.signing, role)
    if source is None:
        return [Check.fail(
            f"key.{role}", _("no key source is configured for the {role} signature, which "
                             "the {profile} profile needs", role=labels.role(role),
                             profile=labels.profile(config.signing.profile)),
            _("Add [signing.{role}] to trams.toml; `trams init` writes a commented example.",
              role=role))]
    checks: list[Check] = []
    if role in PROFILES[config.signing.profile].roles:
        checks.append(_appearance_check(config, role, source))
    what = secret_label(source, role)
    try:
        secret = read_secret(env=source.secret_env, file=source.secret_file, what=what)
    except ConfigError as exc:
        return [*checks, Check.from_error(f"secret.{role}", exc)]
    no_secret = Check.fail(
        f"secret.{role}", _("no {what} is configured", what=what),
        _("Name an environment variable (secret_env) or a file (secret_file) for it in "
          "[signing.{role}]; a run from cron cannot ask for it.", role=role))
    if secret is None and source.kind == "pkcs11":
        return [*checks, no_secret]
    if secret is not None:
        where = (_("the environment variable {name}", name=source.secret_env)
                 if source.secret_env else _("the file {path}", path=source.secret_file))
        checks.append(Check.ok(f"secret.{role}", _("{what} read from {where}", what=what,
                                                    where=where)))
    with ExitStack() as stack:
        try:
            key = stack.enter_context(open_key_source(source, secret=secret))
        except TramsError as exc:
            if secret is None and source.path is not None and source.path.is_file():
                return [*checks, no_secret]  # an unencrypted file would have opened
            return [*checks, Check.from_error(f"key.{role}", exc)]
        if secret is None:
            checks.append(Check.warn(
                f"secret.{role}", _("the key file {path} is not protected by a passphrase",
                                    path=source.path),
                _("Protect it with a passphrase and name it in secret_env or secret_file.")))
        until = key.certificate.not_valid_after.date().isoformat()
        checks.append(Check.ok(f"key.{role}", _("{source}: opens; certificate of {subject}, "
                                                "valid until {date}", source=key.source,
                                                subject=key.common_name, date=until)))
        checks.append(_certificate_check(config, role, key, batch))
        checks.append(_revocation_check(config, role, key, batch=batch, fetchers=fetchers,
                                        known=known))
    return checks


def _appearance_check(config: TramsConfig, role: str, source: KeySourceConfig) -> Check:
    """The appearance settings the profile needs for this role (signature image, seal
    image and width, ...), checked by the same code that builds a run's signing specs."""
    name = f"appearance.{role}"
    profile = config.signing.profile
    try:
        build_specs(config, profile=profile, level=config.signing.level, roles=[role],
                    tsa=TsaSpec(), sources={role: source})
    except ConfigError as exc:
        return Check.from_error(name, exc)
    return Check.ok(name, _("the appearance settings of the {profile} profile are complete",
                            profile=labels.profile(profile)))


def _certificate_check(config: TramsConfig, role: str, key: OpenedKey,
                       batch: SigningBatch) -> Check:
    """The Circular 15/2025 pre-signing checks, with the batch's validation context."""
    problems = batch.run(async_check_certificate(key.certificate, chain=key.chain,
                                                 context=batch.validation_context))
    name = f"certificate.{role}"
    if not problems:
        return Check.ok(name, _("passes the pre-signing checks (validity, key usage, chain to "
                                "a trust root, revocation)"))
    message = "; ".join(p.message for p in problems)
    hint = _("Use a valid signing certificate from a trusted CA; "
             "`trams keys list` shows the certificates of a key source.")
    if config.signing.on_certificate_problem == "warn":
        return Check.warn(name, message, hint)
    return Check.fail(name, message, hint, exit_code=ExitCode.CERTIFICATE)


# --- revocation services ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Service:
    kind: str  # OCSP | CRL
    urls: tuple[str, ...]
    reached: bool

    def text(self) -> str:
        return f"{self.kind} {', '.join(self.urls)}"


def _path_to_root(key: OpenedKey, known: list[x509.Certificate]
                  ) -> list[tuple[x509.Certificate, x509.Certificate | None]]:
    """(certificate, issuer) from the signer up to, not including, the root."""
    pool = [*key.chain, *known]
    pairs = []
    cert = key.certificate
    for _depth in range(8):
        if cert.self_signed != "no":
            break
        issuer = next((c for c in pool if c.subject == cert.issuer), None)
        pairs.append((cert, issuer))
        if issuer is None:
            break
        cert = issuer
    return pairs


async def _fetch_services(fetchers: Fetchers, cert: x509.Certificate,
                          issuer: x509.Certificate | None) -> list[_Service]:
    services = []
    ocsp_urls = tuple(cert.ocsp_urls)
    if ocsp_urls and issuer is not None:
        try:
            await fetchers.ocsp_fetcher.fetch(cert, AuthorityWithCert(issuer))
            reached = True
        except _FETCH_ERRORS:
            reached = False
        services.append(_Service("OCSP", ocsp_urls, reached))
    crl_urls = tuple(dp.url for dp in cert.crl_distribution_points if dp.url)
    if crl_urls:
        try:
            reached = bool(await fetchers.crl_fetcher.fetch(cert))
        except _FETCH_ERRORS:
            reached = False
        services.append(_Service("CRL", crl_urls, reached))
    return services


def _revocation_check(config: TramsConfig, role: str, key: OpenedKey, *,
                      batch: SigningBatch, fetchers: Fetchers,
                      known: list[x509.Certificate]) -> Check:
    """The OCSP responders and CRL distribution points of the signer's certificate and of
    the CAs above it answer."""
    name = f"revocation.{role}"
    level = config.signing.level
    reached: list[str] = []
    failed: list[str] = []
    unchecked: list[str] = []  # certificates no service answered for
    no_address: list[str] = []
    for cert, issuer in _path_to_root(key, known):
        services = batch.run(_fetch_services(fetchers, cert, issuer))
        if not services:
            no_address.append(_short_name(cert))
            continue
        reached += [s.text() for s in services if s.reached]
        failed += [s.text() for s in services if not s.reached]
        if not any(s.reached for s in services):
            unchecked.append(_short_name(cert))
    if unchecked:
        message = _("no revocation service answered for {names}: {services}",
                    names=", ".join(unchecked), services="; ".join(failed))
        hint = _("Check the network, proxy and firewall; the addresses come from the "
                 "certificates.")
        if level in LONG_TERM_LEVELS:
            return Check.fail(name, message, hint + " " + _(
                "Level {level} embeds OCSP responses or CRLs in each signature.", level=level),
                exit_code=ExitCode.NETWORK)
        return Check.warn(name, message, hint)
    if failed:
        return Check.warn(name, _("did not answer: {failed}; answered: {reached}",
                                  failed="; ".join(failed), reached="; ".join(reached)),
                          _("Check the network, proxy and firewall; the addresses come from "
                            "the certificates."))
    if no_address and not reached:
        return Check.warn(name, _("the certificate names no OCSP or CRL address ({names})",
                                  names=", ".join(no_address)),
                          _("Revocation cannot be checked; ask the CA for a certificate "
                            "with OCSP or CRL addresses."))
    return Check.ok(name, _("answered: {services}", services="; ".join(reached)))


# --- time-stamping ---------------------------------------------------------------------------
def check_tsa(config: TramsConfig, *, batch: SigningBatch) -> Check:
    """Each [tsa] URL gives a timestamp token (one request each)."""
    level = config.signing.level
    needed = level != "B-B"
    urls = config.tsa.urls
    if not urls:
        if needed:
            return Check.fail("tsa", _("level {level} needs a time-stamping server, and [tsa] "
                                       "urls is empty", level=level),
                              _("Set [tsa] urls in trams.toml (the address your CA gives)."))
        return Check.ok("tsa", _("no time-stamping server (not needed at level B-B)"))
    try:
        configured = TsaSpec.from_config(config.tsa)
    except ConfigError as exc:
        return Check.from_error("tsa", exc)
    answered, silent = [], []
    for url in urls:
        spec = replace(configured, urls=(url,))
        try:
            batch.ensure_timestamper(spec)
        except NetworkError:
            silent.append(url)
        else:
            answered.append(url)
    if not silent:
        return Check.ok("tsa", _("answered: {services}", services=", ".join(answered)))
    hint = _("Check the network and the [tsa] urls (and username/secret_env if the server "
             "needs a login).")
    message = _("no time-stamping server answered ({urls})", urls=", ".join(silent))
    if answered:
        return Check.warn("tsa", _("did not answer: {failed}; answered: {reached}",
                                   failed=", ".join(silent), reached=", ".join(answered)), hint)
    if needed:
        return Check.fail("tsa", message, hint, exit_code=ExitCode.NETWORK)
    return Check.warn("tsa", message, hint)

