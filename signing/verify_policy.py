"""File-level policies: ``vn-dual`` (Decree 30/2020), ``any``, ``copy``.

How a signature is told to be the agency's or the leader's (field names are never enough,
anyone can name a field "Agency"):

* agency signature: the signer certificate's common name equals the configured agency
  name, or the certificate is an organisation's (CN equal to O) and its O equals the
  configured ``signer_organization`` (else the agency name). Comparison ignores case and
  Unicode normalisation form. Without a configured agency, any organisation certificate
  (CN equal to O) counts as an agency signature.
* leader signature: every other signature (a person's certificate).

``vn-dual``: at least one leader and one agency signature; the first signature is a
leader's and an agency signature comes after it; the agency signer matches the configured
agency; both signatures pass (TOTAL_PASSED) and nothing disallowed changed after either.
``any``: at least one signature and every signature passes.
``copy`` (electronic copies, attachments): an agency signature that passes.
"""

from __future__ import annotations

import unicodedata

from trams.signing.notecodes import coded
from trams.signing.verify_model import TOTAL_PASSED, Note, PolicyResult, SignatureReport

from trams.i18n import N_

POLICIES = ("vn-dual", "any", "copy")

F_NO_SIGNATURES = coded("no_signatures", N_("the file has no signatures"))
F_NOT_PASSED = coded("signature_not_passed", N_(
    "signature '{field}' did not pass ({indication})"))
F_NO_LEADER = coded("no_leader_signature", N_(
    "no leader signature (a person's certificate)"))
F_NO_AGENCY = coded("no_agency_signature", N_(
    "no agency signature matching '{agency}'"))
F_ORDER = coded("signature_order", N_(
    "the agency signature '{agency_field}' comes before the leader signature"))
F_CHANGED = coded("changed_after_signature", N_(
    "disallowed changes after signature '{field}'"))


def _norm(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip().casefold()


def is_agency(sig: SignatureReport, agency_name: str | None, agency_org: str | None) -> bool:
    if sig.signer is None:
        return False
    cn, org = _norm(sig.signer.common_name), _norm(sig.signer.organization)
    name, expected_org = _norm(agency_name), _norm(agency_org or agency_name)
    if name and cn == name:
        return True
    organisation_cert = bool(cn) and cn == org
    if not expected_org:
        return organisation_cert
    return organisation_cert and org == expected_org


def check(policy: str, sigs: tuple[SignatureReport, ...], *, agency_name: str | None,
          agency_org: str | None) -> PolicyResult:
    findings: list[Note] = []
    if not sigs:
        return PolicyResult(policy, False, findings=(Note.of(F_NO_SIGNATURES),))
    agency = [s for s in sigs if is_agency(s, agency_name, agency_org)]
    leaders = [s for s in sigs if s not in agency]
    leader_field = leaders[0].field_name if leaders else None
    agency_field = agency[-1].field_name if agency else None
    label = agency_name or agency_org or "?"

    if policy == "any":
        findings += [Note.of(F_NOT_PASSED, field=s.field_name, indication=s.indication)
                     for s in sigs if not s.passed]
    elif policy == "copy":
        if not agency:
            findings.append(Note.of(F_NO_AGENCY, agency=label))
        else:
            findings += _sig_findings(agency[-1])
    else:  # vn-dual
        if not leaders:
            findings.append(Note.of(F_NO_LEADER))
        if not agency:
            findings.append(Note.of(F_NO_AGENCY, agency=label))
        if leaders and agency:
            after_leader = [a for a in agency if a.index > leaders[0].index]
            if sigs[0] in agency or not after_leader:
                findings.append(Note.of(F_ORDER, agency_field=agency[0].field_name))
            chosen = after_leader[-1] if after_leader else agency[-1]
            agency_field = chosen.field_name
            findings += _sig_findings(leaders[0]) + _sig_findings(chosen)
    return PolicyResult(policy, not findings, leader_field=leader_field,
                        agency_field=agency_field, findings=tuple(findings))


def _sig_findings(sig: SignatureReport) -> list[Note]:
    found = []
    if sig.indication != TOTAL_PASSED:
        found.append(Note.of(F_NOT_PASSED, field=sig.field_name, indication=sig.indication))
    if sig.changes_after == "disallowed":
        found.append(Note.of(F_CHANGED, field=sig.field_name))
    return found
