"""What the signatures of a run are checked against, and what pyHanko's status says about
a signer's certificate, its timestamp and its revocation.

:class:`TrustSetup` holds the trust anchors, the revocation mode (hard, soft, off), the
validation time and whether revocation data may be fetched, and makes pyHanko's
``ValidationContext`` from them: as of now, or as of a past moment with the embedded
validation data only (past validation). The long-term rule (docs/verification.md): revocation
data is used without a freshness window, as EU DSS's default policy does, so an OCSP response
whose nextUpdate has passed still shows the status it showed.

The functions below describe pyHanko's findings as the report's parts (CertInfo,
TimestampInfo, Revocation) for the verdicts on signatures (:mod:`.verify_sig`), document
timestamps (:mod:`.verify_ts`) and signatures in a repaired copy (:mod:`.verify_raw`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import x509
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from trams.signing.verify_model import CertInfo, Revocation, TimestampInfo

_RULES = {
    "hard": RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    "soft": RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
    "off": RevocationCheckingRule.NO_CHECK,
}
NO_FRESHNESS_LIMIT = timedelta(days=365 * 100)


@dataclass(frozen=True)
class TrustSetup:
    """What every signature of a run is checked against. Built once per worker process."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]
    revocation: str  # hard | soft | off
    offline: bool
    at: datetime | None

    def context(self, *, moment=None, crls=(), ocsps=(), certs=(), fetchers=None,
                online: bool | None = None) -> ValidationContext:
        rule = _RULES[self.revocation]
        fetch = (not self.offline and self.at is None and moment is None
                 if online is None else online)
        return ValidationContext(
            trust_roots=list(self.roots), other_certs=[*self.intermediates, *certs],
            moment=moment or self.at, allow_fetching=fetch, crls=list(crls),
            ocsps=list(ocsps), revinfo_policy=CertRevTrustPolicy(
                RevocationCheckingPolicy(ee_certificate_rule=rule,
                                         intermediate_ca_cert_rule=rule),
                # the long-term rule (module docstring): no freshness window
                freshness=NO_FRESHNESS_LIMIT,
                freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
            fetchers=fetchers if fetch else None,
        )


def cert_info(cert: x509.Certificate) -> CertInfo:
    subject = cert.subject.native
    return CertInfo(
        common_name=_one(subject.get("common_name")),
        organization=_one(subject.get("organization_name")),
        serial_number=_one(subject.get("serial_number")), subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly, cert_serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before, not_after=cert.not_valid_after,
        sha256=cert.sha256.hex(),
    )


def _one(value: str | list[str] | None) -> str | None:
    """A subject attribute as one string: a name may repeat one (a Slovak qualified
    certificate carries two serialNumber values), which asn1crypto gives as a list."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _key(cert: x509.Certificate) -> str | None:
    try:
        pub = cert.public_key
        if pub.algorithm == "ec":
            return f"EC-{pub.curve[1]}"
        return f"{pub.algorithm.upper()}-{pub.bit_size}"
    except Exception:  # noqa: BLE001 - unusual keys are reported as unknown
        return None


def _ts_info(ts_status) -> TimestampInfo | None:
    if ts_status is None:
        return None
    return TimestampInfo(
        time=ts_status.timestamp, authority=ts_status.signing_cert.subject.human_friendly,
        trusted=bool(ts_status.trusted and ts_status.valid and ts_status.intact),
        intact=bool(ts_status.intact and ts_status.valid),
        problem=ts_status.trust_problem_indic.name if ts_status.trust_problem_indic else None,
    )


def embedded_revinfo_covers(cert: x509.Certificate, crls, ocsps,
                            issued_after: datetime | None = None) -> bool:
    """True when embedded CRLs or OCSP responses speak about ``cert`` (and, with
    ``issued_after``, were issued at or after that time: they prove its status then)."""
    for resp in ocsps:
        try:
            data = resp["response_bytes"]["response"].parsed["tbs_response_data"]
            for single in data["responses"]:
                if single["cert_id"]["serial_number"].native == cert.serial_number and (
                        issued_after is None
                        or data["produced_at"].native >= issued_after):
                    return True
        except (KeyError, TypeError, ValueError):
            continue
    for crl in crls:
        try:
            tbs = crl["tbs_cert_list"]
            if tbs["issuer"] == cert.issuer and (
                    issued_after is None or tbs["this_update"].native >= issued_after):
                return True
        except (KeyError, TypeError, ValueError):
            continue
    return False


def _revocation(setup: TrustSetup, status, cert, crls, ocsps, fetchers) -> Revocation:
    embedded = embedded_revinfo_covers(cert, crls, ocsps)
    fetched = False
    if fetchers is not None:
        try:
            fetched = bool(list(fetchers.ocsp_fetcher.fetched_responses_for_cert(cert))
                           or list(fetchers.crl_fetcher.fetched_crls_for_cert(cert)))
        except Exception:  # noqa: BLE001 - bookkeeping only
            fetched = False
    source = "embedded" if embedded else ("fetched" if fetched else None)
    if status.revoked:
        details = status.revocation_details
        return Revocation("revoked", source or "fetched",
                          details.revocation_date if details else None,
                          details.revocation_reason.native if details else None)
    if setup.revocation == "off":
        return Revocation("not_checked", None)
    if source is None:
        return Revocation("unknown", None)
    return Revocation("good" if status.trusted else "unknown", source)
