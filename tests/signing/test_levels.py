"""Dual signatures (leader then agency) at every PAdES level, checked three ways."""

from __future__ import annotations

from io import BytesIO

import pikepdf
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from support.pki import IMAGES
from support.verifytools import openssl_verify, pdfsig, pyhanko_statuses
from trams.signing.appearance import AppearanceOptions
from trams.signing.batch import SigningBatch, TsaSpec
from trams.signing.demo_pki import DEMO_PASSPHRASE
from trams.signing.sign import SignSpec, sign_document
from trams.signing.trust import load_certificates

from trams.config import KeySourceConfig


def dual_sign(pki, src, dst, level, *, leader="leader", agency="agency"):
    tsa = TsaSpec(urls=(pki.tsa_url(),))
    lead = SignSpec(role="leader", level=level, tsa=tsa, appearance=AppearanceOptions(
        image=IMAGES / "leader-signature.png", title="CHỦ TỊCH"))
    agen = SignSpec(role="agency", level=level, tsa=tsa, appearance=AppearanceOptions(
        image=IMAGES / "agency-seal.png", image_width_mm=36))
    with SigningBatch(trust_roots=load_certificates([pki.root_pem])) as batch, \
            batch.open_signer(KeySourceConfig(kind="pkcs12", path=pki.p12(leader)),
                              secret=DEMO_PASSPHRASE) as ls, \
            batch.open_signer(KeySourceConfig(kind="pkcs12", path=pki.p12(agency)),
                              secret=DEMO_PASSPHRASE) as ag:
        return sign_document(src, dst, steps=[(lead, ls), (agen, ag)])


@pytest.fixture(scope="module")
def signed(pki, input_pdf, tmp_path_factory):
    folder = tmp_path_factory.mktemp("levels")
    return {level: (dual_sign(pki, input_pdf, folder / f"{level}.pdf", level))
            for level in ("B-B", "B-T", "B-LT", "B-LTA")}


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_dual_signature_is_valid_three_ways(signed, pki, level, tmp_path):
    result = signed[level]
    out = result.output
    assert [s.role for s in result.signatures] == ["leader", "agency"]
    # poppler: both signatures valid, the agency's covers the file (B-LTA: a timestamp after)
    sigs = [s for s in pdfsig(out) if s["Signature Field Name"] != "DocTimestamp"]
    assert [s["Signature Field Name"] for s in sigs] == ["Leader", "Agency"]
    assert all(s["Signature Validation"] == "Signature is Valid." for s in sigs)
    assert sigs[1]["_total"] or level == "B-LTA"
    # OpenSSL over each signature's byte ranges
    assert openssl_verify(out, tmp_path) == 2
    # pyHanko: both intact and trusted; only allowed changes after the leader
    statuses = pyhanko_statuses(out, pki.root_pem)
    assert [name for name, _ in statuses] == ["Leader", "Agency"]
    for name, status in statuses:
        assert status.intact and status.valid and status.trusted, (name, status.summary())
        assert status.bottom_line
        assert status.docmdp_ok is not False
    leader = statuses[0][1]
    assert leader.modification_level in (ModificationLevel.FORM_FILLING,
                                         ModificationLevel.LTA_UPDATES)
    if level != "B-B":
        assert all(st.timestamp_validity is not None and st.timestamp_validity.valid
                   for _, st in statuses)
    # the leader's signature certifies nothing (it must not lock out the agency)
    reader = PdfFileReader(BytesIO(out.read_bytes()))
    assert reader.embedded_regular_signatures[0].docmdp_level is None


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_long_term_levels_validate_offline(signed, pki, level):
    out = signed[level].output
    for name, status in pyhanko_statuses(out, pki.root_pem, ltv=True):
        assert status.bottom_line, (name, status.summary())
    reader = PdfFileReader(BytesIO(out.read_bytes()))
    assert "/DSS" in reader.root
    dss = reader.root["/DSS"]
    assert len(dss.get("/OCSPs", [])) + len(dss.get("/CRLs", [])) > 0
    if level == "B-LTA":
        assert reader.embedded_timestamp_signatures, "B-LTA needs a document timestamp"


def test_b_b_has_no_timestamp_and_b_t_has_one(signed):
    def ts_count(path):
        reader = PdfFileReader(BytesIO(path.read_bytes()))
        return [any(a["type"].native == "signature_time_stamp_token"
                    for a in (s.signer_info["unsigned_attrs"] or []))
                for s in reader.embedded_regular_signatures]
    assert ts_count(signed["B-B"].output) == [False, False]
    assert ts_count(signed["B-T"].output) == [True, True]


def test_pdfa_metadata_kept_and_updates_incremental(signed, input_pdf):
    original = input_pdf.read_bytes()
    for result in signed.values():
        data = result.output.read_bytes()
        assert data.startswith(original), "signing must only append (incremental updates)"
        with pikepdf.open(result.output) as pdf:
            meta = pdf.open_metadata()
            assert meta.get("pdfaid:part") == "2"
            assert meta.get("pdfaid:conformance") == "B"
            assert "/OutputIntents" in pdf.Root


def test_signing_time_is_in_vietnam_time_and_recorded(signed):
    result = signed["B-LT"]
    reader = PdfFileReader(BytesIO(result.output.read_bytes()))
    for record, sig in zip(result.signatures, reader.embedded_regular_signatures, strict=True):
        assert record.signing_time.utcoffset().total_seconds() == 7 * 3600
        assert sig.self_reported_timestamp == record.signing_time
