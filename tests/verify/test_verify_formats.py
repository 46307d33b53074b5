"""Signatures pyHanko's signer does not write, damaged files, and bad signatures beside good
ones: each made by tests/verify/sigmaker.py with the demo PKI, one test per behaviour."""

from __future__ import annotations

import re

import pytest
from support import pdfmaker as pm
from support import sigmaker as sm
from trams.signing.verify import VerifyContext, verify_file


def _verify(pki, tmp_path, data: bytes, name: str = "doc.pdf", **kw):
    path = tmp_path / name
    path.write_bytes(data)
    base = dict(trust=[pki.root_pem], offline=True, policy="any")
    base.update(kw)
    return verify_file(path, VerifyContext.build(**base))


def _texts(notes) -> list[str]:
    return [n.text() for n in notes]


def test_legacy_x509_rsa_sha1_is_found_verified_and_warned(pki, tmp_path):
    report = _verify(pki, tmp_path, sm.x509_rsa_sha1(pki))
    (sig,) = report.signatures
    assert sig.intact and sig.crypto_valid and sig.signer.common_name == "Nguyễn Văn Hùng"
    assert sig.indication != "TOTAL_FAILED"
    assert "legacy SubFilter adbe.x509.rsa_sha1 (ISO 32000-1), not a PAdES signature" in \
        _texts(sig.warnings)
    assert any("SHA1" in w and "2009" in w for w in _texts(sig.warnings))


def test_legacy_pkcs7_sha1_is_found_verified_and_warned(pki, tmp_path):
    report = _verify(pki, tmp_path, sm.pkcs7_sha1(pki))
    (sig,) = report.signatures
    assert sig.intact and sig.crypto_valid and sig.indication == "TOTAL_PASSED"
    assert any("SHA1" in w and "2009" in w for w in _texts(sig.warnings))
    # the encapsulated SHA-1 must be the byte range's: change one signed byte
    data = bytearray(sm.pkcs7_sha1(pki))
    pos = data.index(b"QUYET DINH so 01") + 14
    data[pos] = ord("9")
    bad = _verify(pki, tmp_path, bytes(data), "bad.pdf")
    assert bad.signatures[0].indication == "TOTAL_FAILED"


@pytest.mark.parametrize(("name", "make", "algorithm", "warning"), [
    ("plain-ecdsa", lambda pki: sm.cms_signature(pki, "leader-ec",
                                                 signer=sm.plain_ecdsa_signer(pki)),
     "ecdsa-plain-sha256", "plain ECDSA signature (BSI TR-03111)"),
    ("rsa-sha3", lambda pki: sm.cms_signature(pki, "leader", signer=sm.rsa_sha3_signer(pki),
                                              md="sha3_256"), "rsa-sha3_256", None),
    ("rsassa-pss", lambda pki: sm.cms_signature(pki, "leader", signer=sm.pss_signer(pki)),
     "rsassa_pss", None),
])
def test_algorithm_is_verified(pki, tmp_path, name, make, algorithm, warning):
    report = _verify(pki, tmp_path, make(pki))
    (sig,) = report.signatures
    assert (sig.indication, sig.signature_algorithm) == ("TOTAL_PASSED", algorithm)
    if warning:
        assert warning in _texts(sig.warnings)


def test_pss_with_a_different_mgf1_hash_fails(pki, tmp_path):
    data = sm.cms_signature(pki, "leader", signer=sm.pss_signer(pki, mgf_hash="sha1"))
    (sig,) = _verify(pki, tmp_path, data).signatures
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")
    assert sig.crypto_valid  # the value verifies; the parameters are what is refused
    assert "RSASSA-PSS parameters not allowed: MGF1 hash sha1 differs from the PSS hash " \
        "sha256" in _texts(sig.problems)


def test_short_pss_salt_is_a_warning(pki, tmp_path):
    data = sm.cms_signature(pki, "leader", signer=sm.pss_signer(pki, salt=8))
    (sig,) = _verify(pki, tmp_path, data).signatures
    assert sig.indication == "TOTAL_PASSED"
    assert "RSASSA-PSS salt of 8 bytes is shorter than the hash (32 bytes)" in \
        _texts(sig.warnings)


def test_ed25519_and_its_digest(pki, tmp_path):
    cert, data = sm.ed25519_signed()
    (tmp_path / "ed.cer").write_bytes(cert)
    (sig,) = _verify(pki, tmp_path, data, trust=[tmp_path / "ed.cer"]).signatures
    assert (sig.indication, sig.signature_algorithm) == ("TOTAL_PASSED", "ed25519")
    cert, data = sm.ed25519_signed("sha256")  # RFC 8419: Ed25519 signs SHA-512 digests
    (tmp_path / "ed.cer").write_bytes(cert)
    (sig,) = _verify(pki, tmp_path, data, "bad.pdf", trust=[tmp_path / "ed.cer"]).signatures
    assert (sig.indication, sig.sub_indication) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")


def test_ed448_with_its_shake256_digest(pki, tmp_path):
    """pyHanko names Ed448's digest id-shake256-len with 512 bits (RFC 8419): the hash the
    algorithm needs, not a mismatch."""
    cert, data = sm.ed448_signed()
    (tmp_path / "ed448.cer").write_bytes(cert)
    (sig,) = _verify(pki, tmp_path, data, trust=[tmp_path / "ed448.cer"]).signatures
    assert (sig.indication, sig.signature_algorithm) == ("TOTAL_PASSED", "ed448"), sig.problems


def test_damaged_xref_is_repaired_to_find_the_signature(pki, tmp_path):
    data = sm.cms_signature(pki, "leader", damaged=True)
    report = _verify(pki, tmp_path, data)
    assert report.verdict == "TOTAL_PASSED"
    assert report.signatures[0].coverage == "whole_file"
    assert any("damaged" in w for w in _texts(report.warnings))
    # the signature is still checked over the original bytes
    changed = bytearray(data)
    changed[data.index(b"QUYET DINH so 01") + 14] = ord("9")
    bad = _verify(pki, tmp_path, bytes(changed), "changed.pdf")
    assert bad.signatures[0].sub_indication == "HASH_FAILURE"


def test_what_no_tool_can_open_is_an_error(pki, tmp_path):
    report = _verify(pki, tmp_path, b"%PDF-1.7\n" + b"\x00garbage" * 50)
    assert report.verdict == "ERROR"


@pytest.fixture(scope="module")
def dual(pki):
    return pm.dual(pki, "B-B")


@pytest.mark.parametrize("how", ["random", "zeroed"])
def test_unreadable_contents_fails_alone(pki, tmp_path, dual, how):
    import os

    def repl(m):
        size = len(m.group(1))
        value = os.urandom(size // 2).hex().encode() if how == "random" else b"0" * size
        return b"/Contents <" + value + b">"
    data = sm.patch_last(dual, rb"/Contents <([0-9a-fA-F]+)>", repl)
    report = _verify(pki, tmp_path, data)
    leader, agency = report.signatures
    assert leader.indication == "TOTAL_PASSED"  # the leader's revision is untouched
    assert (agency.indication, agency.sub_indication) == ("TOTAL_FAILED", "FORMAT_FAILURE")
    assert agency.problems[0].text().startswith("the signature cannot be read")
    assert report.verdict == "TOTAL_FAILED"


@pytest.mark.parametrize("how", ["negative", "overlapping"])
def test_bad_byte_range_fails_alone(pki, tmp_path, dual, how):
    def repl(m):
        a, b, c = (int(x) for x in m.groups())
        new = f"[0 {a} {b} -{str(c)[:-1]}]" if how == "negative" else \
            f"[0 {a} {a - 10} {c}]"
        return new.encode().ljust(len(m.group(0)))
    data = sm.patch_last(dual, rb"\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", repl)
    report = _verify(pki, tmp_path, data)
    leader, agency = report.signatures
    assert leader.indication == "TOTAL_PASSED"
    assert agency.indication == "TOTAL_FAILED"
    assert agency.sub_indication in ("FORMAT_FAILURE", "HASH_FAILURE")
    assert report.verdict == "TOTAL_FAILED"


def test_freed_objects_after_signing(pki, tmp_path, dual):
    from support import attacks as at

    # an update that adds an unused object, then one that frees it: allowed
    size = int(re.findall(rb"/Size (\d+)", dual)[-1])
    data = at.append_update(dual, {size: b"<< /Unused true >>"})
    freed = _free(data, size)
    assert _verify(pki, tmp_path, freed).verdict == "TOTAL_PASSED"
    # freeing the page's content stream, still in use, is not
    page_contents = int(re.search(rb"/Contents (\d+) 0 R", dual).group(1))
    report = _verify(pki, tmp_path, _free(dual, page_contents), "in-use.pdf")
    assert report.signatures[0].indication == "TOTAL_FAILED"


def _free(data: bytes, num: int) -> bytes:
    from support import attacks as at

    size, root = at._trailer_size_root(data)
    prev = at._startxref(data)
    xref_at = len(data)
    return data + (b"xref\n%d 1\n0000000000 00001 f \ntrailer\n<< /Size %d /Root %s "
                   b"/Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
                   % (num, max(size, num + 1), root, prev, xref_at))


def test_annotation_allowed_only_under_docmdp_p3(pki, tmp_path):
    from pyhanko.sign.fields import MDPPerm

    p3 = pm.sign(pm.one_page_pdf(), pki, "leader", field="Leader", level="B-B",
                 certify=True, docmdp=MDPPerm.ANNOTATE)
    report = _verify(pki, tmp_path, pm.add_annotation(p3))
    assert report.verdict == "TOTAL_PASSED"
    assert report.signatures[0].changes_after == "allowed"
    p2 = pm.sign(pm.one_page_pdf(), pki, "leader", field="Leader", level="B-B",
                 certify=True, docmdp=MDPPerm.FILL_FORMS)
    report = _verify(pki, tmp_path, pm.add_annotation(p2), "p2.pdf")
    assert report.signatures[0].changes_after == "disallowed"
