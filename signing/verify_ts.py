"""A document timestamp's ETSI EN 319 102-1 verdict (the archive timestamps of B-LTA).

pyHanko (``async_validate_pdf_timestamp``) checks the token's message imprint, its signature
value and the path to the authority (TSA). Here: imprint wrong -> TOTAL_FAILED /
HASH_FAILURE; signature value wrong -> TOTAL_FAILED / SIG_CRYPTO_FAILURE; the timestamp
covers only part of its revision -> TOTAL_FAILED / FORMAT_FAILURE; no trusted path ->
INDETERMINATE with pyHanko's sub-indication, unless the authority certificate, expired
since, is valid as of the next document timestamp's time (the archive chain). A timestamp
that cannot be read is TOTAL_FAILED / FORMAT_FAILURE (:func:`failed_timestamp`).
"""

from __future__ import annotations

from datetime import datetime

from pyhanko.sign.validation import async_validate_pdf_timestamp
from trams.signing.notecodes import coded
from trams.signing.verify_model import INDETERMINATE, TOTAL_FAILED, DocTimestampReport, Note
from trams.signing.verify_sig import _COVERAGE, P_FORMAT, P_PARTIAL, P_TRUST
from trams.signing.verify_trust import TrustSetup, _ts_info

from trams.i18n import N_

P_TS_HASH = coded("timestamp_imprint_mismatch", N_(
    "the timestamp's message imprint does not match the bytes it covers"))
P_TS_CRYPTO = coded("timestamp_signature_invalid", N_(
    "the timestamp's signature value does not match the authority's key"))
W_TS_VIA_LATER = coded("timestamp_valid_via_later", N_(
    "authority certificate no longer valid now; valid at the time of the later document "
    "timestamp {time}"))


def failed_timestamp(field: str, reason: str, revision: int | None) -> DocTimestampReport:
    return DocTimestampReport(field, (revision + 1) if revision is not None else None, None,
                              TOTAL_FAILED, "FORMAT_FAILURE",
                              problems=(Note.of(P_FORMAT, reason=reason),))


async def analyse_timestamp(sig, *, setup: TrustSetup, crls, ocsps, certs, fetchers,
                            later_ts_time: datetime | None) -> DocTimestampReport:
    """A document timestamp's ETSI verdict; an authority certificate that expired since
    is accepted as of the next document timestamp's time (the archive chain, B-LTA)."""
    vc = setup.context(crls=crls, ocsps=ocsps, certs=certs, fetchers=fetchers)
    status = await async_validate_pdf_timestamp(sig, validation_context=vc, skip_diff=True)
    info = _ts_info(status)
    warnings = [Note.of(m, **p) for m, p in getattr(sig, "notes", ())]
    revision = sig.signed_revision + 1
    if not status.intact:
        return DocTimestampReport(sig.field_name, revision, info, TOTAL_FAILED,
                                  "HASH_FAILURE", tuple(warnings), (Note.of(P_TS_HASH),))
    if not status.valid:
        return DocTimestampReport(sig.field_name, revision, info, TOTAL_FAILED,
                                  "SIG_CRYPTO_FAILURE", tuple(warnings),
                                  (Note.of(P_TS_CRYPTO),))
    if _COVERAGE.get(status.coverage) is None:
        return DocTimestampReport(sig.field_name, revision, info, TOTAL_FAILED,
                                  "FORMAT_FAILURE", tuple(warnings), (Note.of(P_PARTIAL),))
    if info.trusted:
        return DocTimestampReport(sig.field_name, revision, info, warnings=tuple(warnings))
    if later_ts_time is not None:
        past_vc = setup.context(moment=later_ts_time, crls=crls, ocsps=ocsps, certs=certs,
                                online=False)
        try:
            past = await async_validate_pdf_timestamp(sig, validation_context=past_vc,
                                                      skip_diff=True)
        except Exception:  # noqa: BLE001 - no past validation: stays indeterminate
            past = None
        if past is not None and past.trusted and past.valid and past.intact:
            warnings.append(Note.of(W_TS_VIA_LATER, time=later_ts_time.isoformat()))
            return DocTimestampReport(sig.field_name, revision, _ts_info(past),
                                      warnings=tuple(warnings))
    sub = info.problem or "NO_CERTIFICATE_CHAIN_FOUND"
    return DocTimestampReport(sig.field_name, revision, info, INDETERMINATE, sub,
                              tuple(warnings), (Note.of(P_TRUST, reason=sub),))
