"""Trust anchors as CAs ship them: PKCS#7 bundles (.p7b/.p7c, PEM or DER), folders of
.cer/.crt, through --trust and [trust]."""

from __future__ import annotations

import base64

import pytest
from asn1crypto import cms, pem
from trams.cli.main import run
from trams.signing.trust import load_certificates
from trams.signing.verify import VerifyContext, verify_file

from trams.errors import ConfigError


def _p7b(certs) -> bytes:
    return cms.ContentInfo({"content_type": "signed_data", "content": {
        "version": "v1", "digest_algorithms": [], "encap_content_info": {
            "content_type": "data"}, "certificates": certs, "signer_infos": []}}).dump()


@pytest.fixture()
def bundles(pki, tmp_path):
    root, interm = pki.cert("root"), pki.cert("interm")
    der = _p7b([root, interm])
    (tmp_path / "ca.p7b").write_bytes(der)
    (tmp_path / "ca.p7c").write_bytes(pem.armor("PKCS7", der))
    folder = tmp_path / "anchors" / "national"
    folder.mkdir(parents=True)
    (folder / "root.cer").write_bytes(root.dump())  # DER, as CAs publish .cer
    (folder / "root-copy.crt").write_bytes(pem.armor("CERTIFICATE", root.dump()))
    return tmp_path


@pytest.mark.parametrize("name", ["ca.p7b", "ca.p7c", "anchors"])
def test_bundle_or_folder_is_a_trust_source(pki, docs, bundles, name):
    certs = load_certificates([bundles / name])
    assert pki.cert("root").sha256 in {c.sha256 for c in certs}
    assert len({c.sha256 for c in certs}) == len(certs)  # duplicates dropped
    ctx = VerifyContext.build(trust=[bundles / name], offline=True, policy="any")
    assert verify_file(docs["dual-B-LT"], ctx).verdict == "TOTAL_PASSED"


def test_cli_trust_accepts_a_p7b(pki, docs, bundles, capsys):
    assert run(["verify", "--trust", str(bundles / "ca.p7b"), "--offline", "--policy", "any",
                str(docs["dual-B-LT"])]) == 0
    capsys.readouterr()


def test_not_a_bundle_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.p7b"
    bad.write_bytes(b"-----BEGIN PKCS7-----\n" + base64.b64encode(b"nonsense") +
                    b"\n-----END PKCS7-----\n")
    with pytest.raises(ConfigError):
        load_certificates([bad])
