"""Verification verdicts on files made with the demo PKI (see conftest.py)."""

from __future__ import annotations

import pytest
from trams.signing.verify import VerifyContext, verify_file, verify_paths

AGENCY = "UBND xã Trà My"


def ctx(pki, **kw):
    base = dict(trust=[pki.root_pem], policy="vn-dual", agency_name=AGENCY)
    base.update(kw)
    return VerifyContext.build(**base)


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_intact_dual_signed_passes(pki, docs, level):
    report = verify_file(docs[f"dual-{level}"], ctx(pki))
    assert report.verdict == "TOTAL_PASSED", report.to_dict()
    assert report.policy.passed
    leader, agency = report.signatures
    assert (leader.field_name, agency.field_name) == ("Leader", "Agency")
    assert leader.level == level and agency.level == level
    assert leader.signer.common_name == "Nguyễn Văn Hùng"
    assert agency.signer.organization == AGENCY
    assert leader.trust_anchor and "TRAMS Demo Root CA" in leader.trust_anchor
    assert leader.signature_algorithm == "rsassa_pkcs1v15" and leader.key == "RSA-2048"
    assert leader.digest_algorithm == "sha256"
    assert leader.changes_after == "allowed"
    assert any("later signature 'Agency'" == n.text() for n in leader.changes)
    assert leader.revision < agency.revision <= agency.revisions
    if level != "B-B":
        assert leader.timestamp and leader.timestamp.trusted
        assert leader.revocation.status == "good"


def test_offline_lt_uses_embedded_revocation_data(pki, docs):
    report = verify_file(docs["dual-B-LTA"], ctx(pki, offline=True, revocation="hard"))
    assert report.verdict == "TOTAL_PASSED"
    assert {s.revocation.source for s in report.signatures} == {"embedded"}
    assert report.doc_timestamps


def test_offline_hard_without_revocation_data_is_try_later(pki, docs):
    report = verify_file(docs["dual-B-T"], ctx(pki, offline=True, revocation="hard"))
    assert report.verdict == "INDETERMINATE"
    assert {s.sub_indication for s in report.signatures} == {"TRY_LATER"}
    soft = verify_file(docs["dual-B-T"], ctx(pki, offline=True))
    assert soft.verdict == "TOTAL_PASSED"
    assert all("revocation status could not be checked" in [n.text() for n in s.warnings]
               for s in soft.signatures)


def test_one_changed_byte_is_hash_failure(pki, docs):
    report = verify_file(docs["tampered"], ctx(pki))
    assert report.verdict == "TOTAL_FAILED"
    assert report.signatures[0].indication == "TOTAL_FAILED"
    assert report.signatures[0].sub_indication == "HASH_FAILURE"
    assert not report.signatures[0].intact


@pytest.mark.parametrize(("doc", "named"), [
    ("added-page", "page 2 added"),
    ("changed-content", "content of page 1 changed"),
    ("added-annotation", "annotation added on page 1 (Text)"),
])
def test_disallowed_change_after_signing_is_named(pki, docs, doc, named):
    report = verify_file(docs[doc], ctx(pki))
    assert report.verdict != "TOTAL_PASSED"
    for sig in report.signatures:
        assert sig.indication != "TOTAL_PASSED"
        assert sig.changes_after == "disallowed"
        assert named in [n.text() for n in sig.changes]
    assert not report.policy.passed


def test_revoked_signer_fails(pki, docs):
    report = verify_file(docs["revoked"], ctx(pki))
    leader = report.signatures[0]
    assert (leader.indication, leader.sub_indication) == ("TOTAL_FAILED", "REVOKED")
    assert leader.revocation.status == "revoked"
    assert leader.revocation.revoked_at.year == 2026
    assert report.verdict == "TOTAL_FAILED"


def test_expired_signer_without_timestamp_does_not_pass(pki, docs):
    report = verify_file(docs["expired-no-ts"], ctx(pki, policy="any"))
    sig = report.signatures[0]
    assert sig.indication == "INDETERMINATE"
    assert sig.sub_indication == "OUT_OF_BOUNDS_NO_POE"
    assert report.verdict != "TOTAL_PASSED"


@pytest.mark.parametrize("offline", [True, False])
def test_expired_signer_with_lta_passes_via_timestamp(pki, docs, offline):
    report = verify_file(docs["expired-lta"], ctx(pki, policy="any", offline=offline))
    sig = report.signatures[0]
    assert sig.indication == "TOTAL_PASSED", sig.to_dict()
    assert sig.passed_via_timestamp
    assert sig.level == "B-LTA"
    assert sig.timestamp.time.year == 2025


def test_untrusted_root_is_indeterminate(pki, docs):
    report = verify_file(docs["untrusted-root"], ctx(pki))
    leader = report.signatures[0]
    assert (leader.indication, leader.sub_indication) == (
        "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert leader.trust_anchor is None
    # the policy cannot pass on an indeterminate leader signature
    assert not report.policy.passed


def test_timestamp_from_untrusted_tsa_is_not_passed(pki, docs):
    report = verify_file(docs["rogue-tsa"], ctx(pki))
    leader = report.signatures[0]
    assert leader.indication == "INDETERMINATE"
    assert not leader.timestamp.trusted
    assert any("Rogue Time Stamping Authority" in n.text() for n in leader.warnings)


def test_ecdsa_signature(pki, docs):
    report = verify_file(docs["ecdsa"], ctx(pki))
    leader = report.signatures[0]
    assert leader.signature_algorithm == "ecdsa" and leader.key.startswith("EC-")
    assert report.verdict == "TOTAL_PASSED"


@pytest.mark.parametrize(("doc", "finding"), [
    ("leader-only", "no agency signature matching 'UBND xã Trà My'"),
    ("agency-only", "no leader signature (a person's certificate)"),
    ("agency-first", "the agency signature 'Leader' comes before the leader signature"),
])
def test_vn_dual_policy_failures(pki, docs, doc, finding):
    report = verify_file(docs[doc], ctx(pki))
    assert all(s.indication == "TOTAL_PASSED" for s in report.signatures)
    assert not report.policy.passed
    assert finding in [n.text() for n in report.policy.findings]
    assert report.verdict == "TOTAL_FAILED"


def test_copy_and_any_policies(pki, docs):
    assert verify_file(docs["agency-only"], ctx(pki, policy="copy")).verdict == "TOTAL_PASSED"
    assert verify_file(docs["leader-only"], ctx(pki, policy="copy")).verdict == "TOTAL_FAILED"
    assert verify_file(docs["agency-first"], ctx(pki, policy="any")).verdict == "TOTAL_PASSED"


def test_an_encrypted_file_is_verified_with_its_field_names_decrypted(pki, docs):
    """Encrypted with an empty user password (to set permissions only): verified, and the
    field's name is the decrypted text, not a proxy object's repr."""
    report = verify_file(docs["encrypted"], ctx(pki, policy="any"))
    assert [s.field_name for s in report.signatures] == ["Leader"]
    assert report.signatures[0].indication == "TOTAL_PASSED", report.to_dict()


def test_unreadable_files_give_error_reports(pki, docs, tmp_path):
    c = ctx(pki)
    bad = verify_file(docs["not-a-pdf"], c)
    assert bad.verdict == "ERROR" and bad.error is not None
    missing = verify_file(tmp_path / "missing.pdf", c)
    assert missing.verdict == "ERROR"
    assert missing.to_dict()["error"]["code"] == "file_not_found"
    from PIL import Image

    Image.new("L", (32, 32), 255).save(tmp_path / "scan.png")
    (tmp_path / "note.txt").write_text("ghi chú")
    scan, note = verify_file(tmp_path / "scan.png", c), verify_file(tmp_path / "note.txt", c)
    assert (scan.verdict, scan.error.code, scan.error.text()) == (
        "ERROR", "not_a_pdf", "this is a scanned image (PNG), not a PDF")
    assert (note.verdict, note.error.code) == ("ERROR", "not_a_pdf")


def test_verify_paths_in_parallel_streams_every_file(pki, docs):
    folder = docs["dual-B-B"].parent
    reports = list(verify_paths([folder], ctx(pki, offline=True), jobs=2))
    assert len(reports) == len(docs)
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in reports}
    assert by_name["dual-B-LT.pdf"].verdict == "TOTAL_PASSED"
    assert by_name["not-a-pdf.pdf"].verdict == "ERROR"
    assert by_name["tampered.pdf"].verdict == "TOTAL_FAILED"
