"""The verdicts on the signatures and document timestamps located in a repaired copy.

When pyHanko cannot parse a file, :mod:`.verify_repair` locates the signature dictionaries
in a copy qpdf repaired (:class:`~.verify_repair.RawSignature`). Here each CMS is validated
by pyHanko (``async_validate_detached_cms``, ``validate_tst_signed_data``) over the byte
ranges of the original bytes and given an indication by the rules of :mod:`.verify_sig`
and :mod:`.verify_ts`, short of what needs the revision history: a signature that does not
cover the whole file is INDETERMINATE / SIG_CONSTRAINTS_FAILURE, never passed.
"""

from __future__ import annotations

import hashlib

from asn1crypto import cms
from pyhanko.sign.validation.generic_cms import (
    async_validate_detached_cms,
    validate_tst_signed_data,
)
from pyhanko.sign.validation.status import TimestampSignatureStatus
from trams.signing.algorithms import prepare
from trams.signing.verify_model import (
    INDETERMINATE,
    TOTAL_FAILED,
    TOTAL_PASSED,
    DocTimestampReport,
    Note,
    SignatureReport,
)
from trams.signing.verify_repair import (
    P_LATER_UNKNOWN,
    covers_whole_file,
    signed_bytes,
    signed_data_of,
)
from trams.signing.verify_sig import (
    P_REVOKED,
    P_TRUST,
    W_NO_TIMESTAMP,
    W_REVOCATION_UNKNOWN,
    integrity_failure,
)
from trams.signing.verify_trust import TrustSetup, _key, _revocation, _ts_info, cert_info
from trams.signing.verify_ts import P_TS_CRYPTO, P_TS_HASH


async def analyse_raw(raw, data: bytes, *, index: int, setup: TrustSetup, crls, ocsps,
                      certs, fetchers) -> SignatureReport:
    """A signature located in a repaired copy (verify_repair), validated by pyHanko over
    the original bytes. No revision history: see verify_repair's docstring."""
    signed_data = signed_data_of(raw)
    prepared = prepare(signed_data["signer_infos"][0])
    if prepared.signer_info is not signed_data["signer_infos"][0]:
        signed_data = signed_data.copy()
        signed_data["signer_infos"] = cms.SignerInfos([prepared.signer_info])
    content = signed_bytes(data, raw.byte_range)
    if raw.subfilter == "/adbe.pkcs7.sha1":
        content = hashlib.sha1(content, usedforsecurity=False).digest()
        signed_data = signed_data.copy()
        signed_data["encap_content_info"] = {"content_type": "data"}
    vc = setup.context(crls=crls, ocsps=ocsps, certs=certs, fetchers=fetchers)
    status = await async_validate_detached_cms(content, signed_data,
                                               signer_validation_context=vc,
                                               ts_validation_context=vc)
    cert = status.signing_cert
    ts = _ts_info(status.timestamp_validity)
    whole = covers_whole_file(data, raw)
    revocation = _revocation(setup, status, cert, crls, ocsps, fetchers)
    warnings = [Note.of(m, **p) for m, p in prepared.warnings]
    problems: list[Note] = [Note.of(m, **p) for m, p in prepared.problems]
    indication, sub = TOTAL_PASSED, None
    if (broken := integrity_failure(problems, status)) is not None:
        indication, (sub, problems) = TOTAL_FAILED, broken
    elif status.revoked:
        indication, sub = TOTAL_FAILED, "REVOKED"
        problems.append(Note.of(P_REVOKED, date=revocation.revoked_at.isoformat()
                                if revocation.revoked_at else "?"))
    elif not status.trusted:
        reason = status.trust_problem_indic.name if status.trust_problem_indic else \
            "NO_CERTIFICATE_CHAIN_FOUND"
        indication, sub = INDETERMINATE, reason
        problems.append(Note.of(P_TRUST, reason=reason))
    elif not whole:
        indication, sub = INDETERMINATE, "SIG_CONSTRAINTS_FAILURE"
        problems.append(Note.of(P_LATER_UNKNOWN))
    if ts is None:
        warnings.append(Note.of(W_NO_TIMESTAMP))
    if revocation.status == "unknown":
        warnings.append(Note.of(W_REVOCATION_UNKNOWN))
    info = signed_data["signer_infos"][0]
    anchor, trust_path = None, ()
    if status.validation_path is not None:
        try:
            trust_path = tuple(c.subject.human_friendly
                               for c in status.validation_path.iter_certs(True))
            anchor = status.validation_path.trust_anchor.authority.name.human_friendly
        except Exception:  # noqa: BLE001 - description only
            pass
    return SignatureReport(
        field_name=raw.field_name, index=index, signer=cert_info(cert),
        claimed_signing_time=status.signer_reported_dt, timestamp=ts,
        digest_algorithm=info["digest_algorithm"]["algorithm"].native,
        signature_algorithm=prepared.name or info["signature_algorithm"]["algorithm"].native,
        key=_key(cert), intact=bool(status.intact), crypto_valid=bool(status.valid),
        coverage="whole_file" if whole else "partial", revision=0, revisions=0,
        changes_after="none" if whole else "unknown", changes=(), docmdp=None,
        trust_anchor=anchor, trust_path=trust_path, revocation=revocation,
        level="B-T" if ts else "B-B", indication=indication, sub_indication=sub,
        passed_via_timestamp=False, warnings=tuple(warnings), problems=tuple(problems))


async def analyse_raw_timestamp(raw, data: bytes, *, setup: TrustSetup, crls, ocsps,
                                certs, fetchers) -> DocTimestampReport:
    content = signed_bytes(data, raw.byte_range)
    vc = setup.context(crls=crls, ocsps=ocsps, certs=certs, fetchers=fetchers)
    kwargs = await validate_tst_signed_data(
        signed_data_of(raw), vc, lambda md: hashlib.new(md, content).digest())

    status = TimestampSignatureStatus(**kwargs)
    info = _ts_info(status)
    if not status.intact:
        return DocTimestampReport(raw.field_name, None, info, TOTAL_FAILED, "HASH_FAILURE",
                                  problems=(Note.of(P_TS_HASH),))
    if not status.valid:
        return DocTimestampReport(raw.field_name, None, info, TOTAL_FAILED,
                                  "SIG_CRYPTO_FAILURE", problems=(Note.of(P_TS_CRYPTO),))
    if not info.trusted:
        sub = info.problem or "NO_CERTIFICATE_CHAIN_FOUND"
        return DocTimestampReport(raw.field_name, None, info, INDETERMINATE, sub,
                                  problems=(Note.of(P_TRUST, reason=sub),))
    return DocTimestampReport(raw.field_name, None, info)
