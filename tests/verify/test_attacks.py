"""Shadow attacks, incremental saving attacks and signature wrapping: never TOTAL_PASSED.

The attack files are built by tests/verify/attacks.py from the published descriptions
(Mainka et al., NDSS 2021; Mladenov et al., CCS 2019) on documents the demo PKI signs.
"""

from __future__ import annotations

import pytest
from support import attacks as at
from support import pdfmaker as pm
from trams.signing.verify import VerifyContext, verify_file


@pytest.fixture(scope="module")
def made(pki, tmp_path_factory):
    folder = tmp_path_factory.mktemp("attacks")
    shadow = pm.sign(at.shadow_document(), pki, "leader", field="Leader", level="B-B")
    older = pm.sign(at.shadow_document_with_old_cover(), pki, "leader", field="Leader",
                    level="B-B")
    files = {
        "signed-shadow-document": shadow,
        "signed-with-older-cover": older,
        "hide-object-overwrite": at.hide_by_overwrite(shadow),
        "hide-xref-only": at.hide_by_xref_only(older),
        "replace-font": at.replace_font(shadow),
        "hide-and-replace": at.hide_and_replace(shadow),
        "isa-with-xref": at.isa_with_xref(shadow),
        "isa-without-xref": at.isa_without_xref(shadow),
        "signature-wrapping": at.signature_wrapping(shadow),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / f"{name}.pdf"
        paths[name].write_bytes(data)
    return paths


def _ctx(pki):
    return VerifyContext.build(trust=[pki.root_pem], offline=True, policy="any")


def test_the_signed_shadow_documents_pass_before_the_attack(pki, made):
    # the attacks below change nothing but what the attacker appends
    for name in ("signed-shadow-document", "signed-with-older-cover"):
        assert verify_file(made[name], _ctx(pki)).verdict == "TOTAL_PASSED"


@pytest.mark.parametrize(("attack", "named"), [
    ("hide-object-overwrite", "content of page 1 changed"),
    ("hide-xref-only", "content of page 1 changed"),
    ("replace-font", "content of page 1 changed"),
    ("hide-and-replace", "content of page 1 changed"),
    ("isa-with-xref", "content of page 1 changed"),
    ("isa-without-xref",
     "data appended after the last revision, outside any cross-reference section"),
])
def test_attack_is_caught_and_named(pki, made, attack, named):
    report = verify_file(made[attack], _ctx(pki))
    assert report.verdict == "TOTAL_FAILED"
    (sig,) = report.signatures
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "SIG_CONSTRAINTS_FAILURE")
    assert sig.changes_after == "disallowed"
    assert named in [n.text() for n in sig.changes]


def test_signature_wrapping_is_a_format_failure(pki, made):
    report = verify_file(made["signature-wrapping"], _ctx(pki))
    assert report.verdict == "TOTAL_FAILED"
    (sig,) = report.signatures
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
