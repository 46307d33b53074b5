"""One PDF signature: pyHanko's validation, then an ETSI EN 319 102-1 verdict.

pyHanko (``async_validate_pdf_signature``) checks integrity, the CMS signature, the path to
a trust anchor, revocation, the signature timestamp and the difference analysis of later
revisions. This module turns that status into an indication and sub-indication, strictly:

1. digest of the signed bytes wrong -> TOTAL_FAILED / HASH_FAILURE
2. signature value wrong -> TOTAL_FAILED / SIG_CRYPTO_FAILURE
3. the signature covers only part of its revision -> TOTAL_FAILED / FORMAT_FAILURE
4. disallowed changes after it (modification level OTHER, or above the DocMDP permission)
   -> TOTAL_FAILED / SIG_CONSTRAINTS_FAILURE, the changes named
5. signer revoked, with no proof of existence before the revocation -> TOTAL_FAILED / REVOKED
   (a trusted signature timestamp before the revocation date -> past validation, below)
6. no trusted path now: if a trusted signature timestamp exists, the certificate is validated
   again as of the timestamp's time with the embedded validation data ("past signature
   validation"): passing there is TOTAL_PASSED via the timestamp; else INDETERMINATE with
   pyHanko's sub-indication (NO_CERTIFICATE_CHAIN_FOUND, OUT_OF_BOUNDS_NO_POE, ...)
7. a signature timestamp that is broken or from an untrusted TSA -> INDETERMINATE / NO_POE
8. ``--revocation hard`` and the status is unknown -> INDETERMINATE / TRY_LATER

Document timestamps are judged in :mod:`.verify_ts`, signatures located in a repaired copy
of a damaged file in :mod:`.verify_raw`; what a signature is checked against
(:class:`~.verify_trust.TrustSetup`) and the descriptions of its certificate, timestamp
and revocation status are in :mod:`.verify_trust`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, async_validate_pdf_signature
from trams.signing.algorithms import dated_warnings
from trams.signing.notecodes import coded
from trams.signing.verify_changes import OTHER_CHANGE, later_updates, page_changes
from trams.signing.verify_collect import P_NOT_DER
from trams.signing.verify_mdp import DIFF_POLICY, UnanalysedChanges
from trams.signing.verify_model import (
    INDETERMINATE,
    NO_POE,
    TOTAL_FAILED,
    TOTAL_PASSED,
    Note,
    ProofOfExistence,
    Revocation,
    SignatureReport,
)
from trams.signing.verify_trust import (
    TrustSetup,
    _key,
    _revocation,
    _ts_info,
    cert_info,
    embedded_revinfo_covers,
)

from trams.i18n import N_

log = logging.getLogger(__name__)

_DOCMDP = {1: "no_changes", 2: "fill_forms", 3: "annotate"}
_COVERAGE = {SignatureCoverageLevel.ENTIRE_FILE: "whole_file",
             SignatureCoverageLevel.ENTIRE_REVISION: "revision"}

W_REVOCATION_UNKNOWN = coded("revocation_unknown", N_("revocation status could not be checked"))
W_REVOCATION_OFF = coded("revocation_not_checked", N_(
    "revocation status not checked (--revocation off)"))
W_TS_UNTRUSTED = coded("timestamp_untrusted", N_("signature timestamp not trusted: {authority}"))
W_PASSED_VIA_TS = coded("valid_at_timestamp", N_(
    "certificate no longer valid now; valid at the timestamp time {time}"))
W_NO_TIMESTAMP = coded("no_trusted_timestamp", N_(
    "no trusted timestamp: the signing time is only claimed by the signer"))
P_HASH = coded("signed_bytes_changed", N_("the signed bytes were changed after signing"))
P_CRYPTO = coded("signature_value_invalid", N_(
    "the signature value does not match the signer's key"))
P_PARTIAL = coded("partial_coverage", N_("the signature covers only part of its revision"))
P_CHANGES = coded("changes_not_allowed", N_("changes after signing that are not allowed"))
P_REVOKED = coded("certificate_revoked", N_(
    "the signer's certificate was revoked on {date}"))
P_TRUST = coded("no_trusted_path", N_("no trusted certificate path ({reason})"))
P_TS = coded("timestamp_unusable", N_("the signature timestamp cannot be used ({reason})"))
P_TRY_LATER = coded("revocation_unknown_hard", N_(
    "revocation status unknown and --revocation hard was asked"))
P_UNANALYSED = coded("changes_not_analysed", N_(
    "the changes after signing could not be analysed ({reason})"))
P_FORMAT = coded("signature_unreadable", N_("the signature cannot be read ({reason})"))


async def analyse(embedded_sig, *, index: int, setup: TrustSetup, crls, ocsps, certs,
                  fetchers, sig_fields: dict[int, tuple[str, bool]], revisions: int,
                  doc_ts_after: bool,
                  doc_ts_poe: tuple[str, datetime] | None = None) -> SignatureReport:
    """Validate one (non-timestamp) signature and give its ETSI verdict."""
    reader = embedded_sig.reader
    vc = setup.context(crls=crls, ocsps=ocsps, certs=certs, fetchers=fetchers)
    ts_vc = setup.context(crls=crls, ocsps=ocsps, certs=certs, fetchers=fetchers)
    status = await async_validate_pdf_signature(
        embedded_sig, signer_validation_context=vc, ts_validation_context=ts_vc,
        diff_policy=DIFF_POLICY)
    cert = embedded_sig.signer_cert
    ts = _ts_info(status.timestamp_validity)
    signed_rev = embedded_sig.signed_revision

    # --- what changed after it
    mod = status.modification_level
    docmdp = embedded_sig.docmdp_level
    unanalysed = status.diff_result if isinstance(status.diff_result,
                                                  UnanalysedChanges) else None
    disallowed = unanalysed is None and (
        mod == ModificationLevel.OTHER or status.docmdp_ok is False
        or (docmdp is not None and mod is not None and mod.value > docmdp.value))
    changes: list[Note] = later_updates(reader, signed_rev, sig_fields,
                                        form_filled=mod == ModificationLevel.FORM_FILLING and
                                        not _only_sig_fields(status, sig_fields),
                                        annotated=mod == ModificationLevel.ANNOTATIONS)
    if disallowed:
        named = page_changes(reader, signed_rev)
        if not named:
            detail = str(status.diff_result) if status.diff_result is not None else "?"
            named = [Note.of(OTHER_CHANGE,
                             detail=" ".join(detail.split())[:160])]
        changes = [*changes, *named]
    changes_after = "disallowed" if disallowed else ("allowed" if changes else "none")
    if unanalysed is not None:
        changes_after = "unknown"
    coverage = _COVERAGE.get(status.coverage, "partial")

    # --- PAdES level
    has_revinfo = embedded_revinfo_covers(cert, crls, ocsps)
    level = "B-B"
    if ts is not None:
        level = "B-T"
        if has_revinfo:
            level = "B-LTA" if doc_ts_after else "B-LT"

    revocation = _revocation(setup, status, cert, crls, ocsps, fetchers)
    warnings: list[Note] = []
    problems: list[Note] = []
    indication, sub = TOTAL_PASSED, None
    via_ts = False
    found_problems = [Note.of(m, **p) for m, p in getattr(embedded_sig, "problems", ())]
    warnings += [Note.of(m, **p) for m, p in getattr(embedded_sig, "notes", ())]
    best_time = ts.time if ts is not None and ts.trusted else \
        embedded_sig.self_reported_timestamp
    warnings += [Note.of(m, **p) for m, p in dated_warnings(
        embedded_sig.md_algorithm, _key(cert), best_time)]

    if (broken := integrity_failure(found_problems, status)) is not None:
        indication, (sub, problems) = TOTAL_FAILED, broken
    elif coverage == "partial":
        indication, sub = TOTAL_FAILED, "FORMAT_FAILURE"
        problems.append(Note.of(P_PARTIAL))
    elif disallowed:
        indication, sub = TOTAL_FAILED, "SIG_CONSTRAINTS_FAILURE"
        problems.append(Note.of(P_CHANGES))
    elif unanalysed is not None:
        indication, sub = INDETERMINATE, "SIG_CONSTRAINTS_FAILURE"
        problems.append(Note.of(P_UNANALYSED, reason=str(unanalysed)))
    elif not status.trusted or status.revoked or (ts is not None and not ts.trusted):
        past = None
        if ts is not None and ts.intact and (doc_ts_after or ts.trusted) and \
                cert.not_valid_before <= ts.time <= cert.not_valid_after:
            past = await _status_at(embedded_sig, setup, ts.time, crls, ocsps, certs)
        if past is not None and not ts.trusted and _ts_info(past.timestamp_validity).trusted:
            # the timestamp's own chain validated as of its time, data protected by a later
            # document timestamp (LTA)
            ts = _ts_info(past.timestamp_validity)
        trusted_ts = ts is not None and ts.trusted
        past_ok = past is not None and trusted_ts and _signer_ok(past, embedded_sig, setup,
                                                                 crls, ocsps)
        if status.revoked and revocation.revoked_at is not None and trusted_ts and \
                ts.time >= revocation.revoked_at:
            past_ok = False
        if status.trusted and not status.revoked:
            pass  # only the timestamp needed a second look
        elif past_ok:
            via_ts = True
            revocation = Revocation("good", "embedded")
            warnings.append(Note.of(W_PASSED_VIA_TS, time=ts.time.isoformat()))
        elif status.revoked:
            indication = TOTAL_FAILED if (revocation.revoked_at is None or not trusted_ts or
                                          ts.time >= revocation.revoked_at) else INDETERMINATE
            sub = "REVOKED" if indication == TOTAL_FAILED else "REVOKED_NO_POE"
            problems.append(Note.of(P_REVOKED, date=revocation.revoked_at.isoformat()
                                    if revocation.revoked_at else "?"))
        else:
            reason = status.trust_problem_indic.name if status.trust_problem_indic else \
                "NO_CERTIFICATE_CHAIN_FOUND"
            if revocation.status == "unknown" and setup.revocation == "hard" and \
                    status.validation_path is not None:
                reason = "TRY_LATER"
            indication, sub = INDETERMINATE, reason
            problems.append(Note.of(P_TRUST, reason=reason))
    if indication == TOTAL_PASSED and ts is not None and not ts.trusted:
        indication, sub = INDETERMINATE, "NO_POE"
        problems.append(Note.of(P_TS, reason=ts.problem or "SIG_CRYPTO_FAILURE"))
    if ts is not None and not ts.trusted:
        warnings.append(Note.of(W_TS_UNTRUSTED, authority=ts.authority))
    if ts is None:
        warnings.append(Note.of(W_NO_TIMESTAMP))
    if revocation.status == "unknown":
        warnings.append(Note.of(W_REVOCATION_UNKNOWN))
        if indication == TOTAL_PASSED and setup.revocation == "hard" and not via_ts:
            indication, sub = INDETERMINATE, "TRY_LATER"
            problems.append(Note.of(P_TRY_LATER))
    elif revocation.status == "not_checked":
        warnings.append(Note.of(W_REVOCATION_OFF))

    poe = NO_POE
    if ts is not None and ts.trusted:
        poe = ProofOfExistence("signature_timestamp", ts.time)
    elif doc_ts_poe is not None:
        poe = ProofOfExistence("document_timestamp", doc_ts_poe[1], doc_ts_poe[0])

    path = status.validation_path
    trust_path: tuple[str, ...] = ()
    anchor = None
    if path is not None:
        try:
            trust_path = tuple(c.subject.human_friendly for c in path.iter_certs(True))
            anchor = path.trust_anchor.authority.name.human_friendly
        except Exception:  # noqa: BLE001 - path description is best effort
            pass
    sig_algo = embedded_sig.signer_info["signature_algorithm"]
    try:
        algo_name = sig_algo.signature_algo
    except (ValueError, KeyError):
        algo_name = sig_algo["algorithm"].native
    algo_name = getattr(embedded_sig, "algorithm_name", None) or algo_name
    return SignatureReport(
        field_name=embedded_sig.field_name, index=index, signer=cert_info(cert),
        claimed_signing_time=embedded_sig.self_reported_timestamp, timestamp=ts,
        digest_algorithm=embedded_sig.md_algorithm, signature_algorithm=algo_name,
        key=_key(cert), intact=bool(status.intact), crypto_valid=bool(status.valid),
        coverage=coverage, revision=signed_rev + 1, revisions=revisions,
        changes_after=changes_after, changes=tuple(changes),
        docmdp=_DOCMDP.get(docmdp.value) if docmdp is not None else None,
        trust_anchor=anchor, trust_path=trust_path, revocation=revocation, level=level,
        indication=indication, sub_indication=sub, passed_via_timestamp=via_ts,
        warnings=tuple(warnings), problems=tuple(problems), poe=poe,
    )


def _only_sig_fields(status, sig_fields: dict[int, tuple[str, bool]]) -> bool:
    """True when the only 'form filling' after a signature is other signatures."""
    changed = set(getattr(status.diff_result, "changed_form_fields", None) or ())
    names = {name for name, _is_ts in sig_fields.values()}
    return changed <= names


def integrity_failure(found: list[Note], status) -> tuple[str, list[Note]] | None:
    """The sub-indication of a TOTAL_FAILED on the signature's own bytes, with its reasons:
    ``found`` before pyHanko ran (signed attributes not DER: the hash cannot match), then
    pyHanko's ``status`` (the signed bytes changed, the signature value wrong). None when
    the signature is intact and its value right."""
    if found:
        return ("HASH_FAILURE" if found[0].msgid == P_NOT_DER else "SIG_CRYPTO_FAILURE"), found
    if not status.intact:
        return "HASH_FAILURE", [Note.of(P_HASH)]
    if not status.valid:
        return "SIG_CRYPTO_FAILURE", [Note.of(P_CRYPTO)]
    return None


async def _status_at(embedded_sig, setup: TrustSetup, moment: datetime, crls, ocsps,
                     certs):
    """Past validation: signer and timestamp paths as of ``moment``, embedded data only
    (historical revocation status cannot be fetched). None when it cannot run."""
    vc = setup.context(moment=moment, crls=crls, ocsps=ocsps, certs=certs, online=False)
    ts_vc = setup.context(moment=moment, crls=crls, ocsps=ocsps, certs=certs, online=False)
    try:
        return await async_validate_pdf_signature(
            embedded_sig, signer_validation_context=vc, ts_validation_context=ts_vc,
            skip_diff=True)
    except Exception:  # noqa: BLE001 - a failed re-check is "not valid then"
        log.debug("past validation failed", exc_info=True)
        return None


def _signer_ok(status, embedded_sig, setup: TrustSetup, crls, ocsps) -> bool:
    if setup.revocation != "off" and not embedded_revinfo_covers(
            embedded_sig.signer_cert, crls, ocsps):
        return False  # no proof the certificate was not revoked at that time
    return bool(status.intact and status.valid and status.trusted and not status.revoked)


def failed_signature(field: str, index: int, reason: str, revision: int | None,
                     revisions: int) -> SignatureReport:
    """The report of a signature that could not be read: TOTAL_FAILED / FORMAT_FAILURE."""
    return SignatureReport(
        field_name=field, index=index, signer=None, claimed_signing_time=None,
        timestamp=None, digest_algorithm=None, signature_algorithm=None, key=None,
        intact=False, crypto_valid=False, coverage="partial",
        revision=(revision + 1) if revision is not None else 0, revisions=revisions,
        changes_after="none", changes=(), docmdp=None, trust_anchor=None, trust_path=(),
        revocation=Revocation("not_checked", None), level="", indication=TOTAL_FAILED,
        sub_indication="FORMAT_FAILURE", passed_via_timestamp=False, warnings=(),
        problems=(Note.of(P_FORMAT, reason=reason),))
