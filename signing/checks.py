"""Pre-signing certificate checks (Circular 15/2025/TT-BKHCN).

Before signing, the signer's certificate must be valid now, carry a signing key usage
(digitalSignature or nonRepudiation), chain to a configured trust root, and not be revoked
where the status can be fetched. Each problem is a :class:`CertificateProblem`; the caller
refuses (:class:`~trams.errors.CertificateRefused`) or, by explicit config, warns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors

from trams.errors import CertificateRefused, Notice
from trams.i18n import _

SIGNING_USAGES = frozenset({"digital_signature", "non_repudiation"})
# error and warning codes (docs/codes.md) of each problem
CERTIFICATE_CODES = {"expired": "certificate_expired",
                     "not_yet_valid": "certificate_not_yet_valid",
                     "no_signing_usage": "certificate_not_for_signing",
                     "untrusted": "certificate_untrusted", "revoked": "certificate_revoked",
                     "invalid": "certificate_invalid"}


@dataclass(frozen=True)
class CertificateProblem:
    code: str  # expired | not_yet_valid | no_signing_usage | untrusted | revoked | invalid
    message: str


async def async_check_certificate(cert: x509.Certificate, *, chain: list[x509.Certificate],
                                  context: ValidationContext,
                                  now: datetime | None = None) -> list[CertificateProblem]:
    """Every reason to refuse ``cert`` as a signer now; empty when it may sign."""
    now = now or datetime.now(UTC)
    subject = cert.subject.human_friendly
    problems: list[CertificateProblem] = []
    if now > cert.not_valid_after:
        problems.append(CertificateProblem("expired", _(
            "the certificate of {subject} expired on {date}", subject=subject,
            date=cert.not_valid_after.date().isoformat())))
    elif now < cert.not_valid_before:
        problems.append(CertificateProblem("not_yet_valid", _(
            "the certificate of {subject} is valid only from {date}", subject=subject,
            date=cert.not_valid_before.date().isoformat())))
    usage = cert.key_usage_value
    if usage is not None and not (set(usage.native) & SIGNING_USAGES):
        problems.append(CertificateProblem("no_signing_usage", _(
            "the certificate of {subject} is not for signing (key usage: {usage})",
            subject=subject, usage=", ".join(sorted(usage.native)) or "-")))
    if problems:
        return problems  # path validation would only repeat the same reason
    validator = CertificateValidator(cert, intermediate_certs=chain,
                                     validation_context=context)
    try:
        await validator.async_validate_usage(set())
    except cv_errors.RevokedError:
        problems.append(CertificateProblem("revoked", _(
            "the certificate of {subject} has been revoked by its issuer", subject=subject)))
    except cv_errors.PathBuildingError:
        problems.append(CertificateProblem("untrusted", _(
            "the certificate of {subject} does not chain to a configured trust root",
            subject=subject)))
    except (cv_errors.PathValidationError, cv_errors.InvalidCertificateError) as exc:
        problems.append(CertificateProblem("invalid", _(
            "the certificate of {subject} failed validation: {reason}", subject=subject,
            reason=str(exc))))
    return problems


def enforce(problems: list[CertificateProblem], *, mode: str, source: str) -> list[str]:
    """Raise for the first problem (mode "refuse"), or return them as warnings ("warn")."""
    if problems and mode != "warn":
        first = problems[0]
        raise CertificateRefused(
            _("signing refused: {reason}", reason=first.message), path=source or None,
            hint=_("Use a valid signing certificate from a trusted CA; "
                   "`trams keys list` shows the certificates of a key source."),
            code=CERTIFICATE_CODES[first.code])
    return [Notice(p.message, CERTIFICATE_CODES[p.code]) for p in problems]
