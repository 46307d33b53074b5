"""The long-term rule, on files `trams sign` makes, checked against pyHanko's own AdES
(ETSI EN 319 102-1) LTA validation with local data only, an hour after signing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from support.pdfs import make_pdf
from support.pki import IMAGES
from trams.signing.verify import VerifyContext, verify_file

AGENCY = "UBND xã Trà My"


def _dual_sign(pki, src: Path, dst: Path, level: str):
    from trams.signing.appearance import AppearanceOptions
    from trams.signing.batch import SigningBatch, TsaSpec
    from trams.signing.demo_pki import DEMO_PASSPHRASE
    from trams.signing.sign import SignSpec, sign_document
    from trams.signing.trust import load_certificates

    from trams.config import KeySourceConfig

    tsa = TsaSpec(urls=(pki.tsa_url(),))
    lead = SignSpec(role="leader", level=level, tsa=tsa, appearance=AppearanceOptions(
        image=IMAGES / "leader-signature.png", title="CHỦ TỊCH"))
    agen = SignSpec(role="agency", level=level, tsa=tsa, appearance=AppearanceOptions(
        image=IMAGES / "agency-seal.png", image_width_mm=36))
    with SigningBatch(trust_roots=load_certificates([pki.root_pem])) as batch, \
            batch.open_signer(KeySourceConfig(kind="pkcs12", path=pki.p12("leader")),
                              secret=DEMO_PASSPHRASE) as ls, \
            batch.open_signer(KeySourceConfig(kind="pkcs12", path=pki.p12("agency")),
                              secret=DEMO_PASSPHRASE) as ag:
        sign_document(src, dst, steps=[(lead, ls), (agen, ag)])
    return dst


@pytest.fixture(scope="module")
def trams_signed(pki, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ltv")
    src = make_pdf(folder / "in.pdf")
    return {level: _dual_sign(pki, src, folder / f"{level}.pdf", level)
            for level in ("B-LT", "B-LTA")}


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_trams_an_hour_later_offline_hard(pki, trams_signed, level):
    later = datetime.now(UTC) + timedelta(hours=1)
    ctx = VerifyContext.build(trust=[pki.root_pem], offline=True, revocation="hard",
                              at=later, policy="vn-dual", agency_name=AGENCY)
    report = verify_file(trams_signed[level], ctx)
    assert report.verdict == "TOTAL_PASSED", report.to_dict()
    for sig in report.signatures:
        assert sig.revocation.status == "good" and sig.revocation.source == "embedded"
        assert sig.poe.kind == "signature_timestamp"
        assert sig.poe.time < later


def test_pyhanko_ades_agrees_an_hour_later(pki, trams_signed):
    """pyHanko's ades_lta_validation, local data only, revocation required, the same rule
    (no freshness window): what trams sign embeds at B-LTA is enough for it too. (At B-LT
    pyHanko answers NO_POE for a signature whose revocation data was fetched before its
    signature timestamp, with nothing later to prove it existed: docs/verification.md.)"""
    level = "B-LTA"
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation import DocumentSecurityStore
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        LocalKnowledge,
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        FreshnessReqType,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager
    from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

    reader = PdfFileReader(BytesIO(trams_signed[level].read_bytes()))
    dss = DocumentSecurityStore.read_dss(reader)
    embedded = dss.as_validation_context({"trust_roots": []})
    rule = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
    spec = SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=[pki.cert("root")]),
            revinfo_policy=CertRevTrustPolicy(
                RevocationCheckingPolicy(ee_certificate_rule=rule,
                                         intermediate_ca_cert_rule=rule),
                freshness=timedelta(days=36500),
                freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION)),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY),
        local_knowledge=LocalKnowledge(
            known_ocsps=[OCSPContainer.load_multi(o)[0] for o in embedded.ocsps],
            known_crls=[CRLContainer(c) for c in embedded.crls],
            known_certs=list(dss.load_certs())))
    later = datetime.now(UTC) + timedelta(hours=1)
    timing = ValidationTimingInfo(validation_time=later, best_signature_time=later,
                                  point_in_time_validation=False)
    for sig in reader.embedded_regular_signatures:
        result = asyncio.run(ades_lta_validation(sig, PdfSignatureValidationSpec(spec),
                                                 timing_info=timing))
        assert isinstance(result.ades_subindic, AdESPassed), (sig.field_name,
                                                               result.ades_subindic)
