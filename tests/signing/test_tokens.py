"""Keys on a real SoftHSM2 token (Vietnamese labels): agency on a token with the leader
on PKCS#12, both on tokens, selection by label / id / subject, and `trams keys list`."""

from __future__ import annotations

import json

import pytest
from support.pki import (
    AGENCY_KEY_LABEL,
    AGENCY_TOKEN,
    LEADER_TOKEN,
    SOFTHSM,
    TOKEN_PIN,
    token_source,
    write_config,
)
from support.verifytools import openssl_verify, pdfsig, pyhanko_statuses
from trams.cli.main import run
from trams.signing.keys import list_keys, open_key_source

from trams.config import KeySourceConfig
from trams.errors import KeyAccessError

pytestmark = pytest.mark.softhsm


def _check_dual(out, pki, tmp_path):
    sigs = pdfsig(out)
    assert [s["Signature Field Name"] for s in sigs] == ["Leader", "Agency"]
    assert all(s["Signature Validation"] == "Signature is Valid." for s in sigs)
    assert openssl_verify(out, tmp_path) == 2
    for name, status in pyhanko_statuses(out, pki.root_pem):
        assert status.bottom_line, (name, status.summary())


def test_agency_on_token_leader_on_pkcs12(pki, softhsm, input_pdf, tmp_path, secrets_env,
                                          capsys):
    config = write_config(tmp_path, pki, agency_src=token_source(AGENCY_TOKEN,
                                                                 AGENCY_KEY_LABEL))
    code = run(["--lang", "en", "--config", str(config), "sign", str(input_pdf), "-o",
                str(tmp_path / "out"), "--level", "B-LT"])
    assert code == 0, capsys.readouterr().err
    _check_dual(tmp_path / "out" / input_pdf.name, pki, tmp_path)


def test_both_on_tokens(pki, softhsm, input_pdf, tmp_path, secrets_env, capsys):
    config = write_config(
        tmp_path, pki,
        leader_src=token_source(LEADER_TOKEN, cert_subject="nguyễn văn hùng"),
        agency_src=token_source(AGENCY_TOKEN, key_id="0a01"))
    code = run(["--lang", "en", "--config", str(config), "sign", str(input_pdf), "-o",
                str(tmp_path / "out"), "--level", "B-T"])
    assert code == 0, capsys.readouterr().err
    _check_dual(tmp_path / "out" / input_pdf.name, pki, tmp_path)


def test_unicode_label_matches_in_another_normal_form(softhsm):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", AGENCY_KEY_LABEL)
    assert decomposed != AGENCY_KEY_LABEL
    source = KeySourceConfig(kind="pkcs11", module=SOFTHSM,
                             token_label=unicodedata.normalize("NFD", AGENCY_TOKEN),
                             key_label=decomposed)
    with open_key_source(source, secret=TOKEN_PIN) as key:
        assert key.common_name == "UBND xã Trà My"


def test_no_matching_key_is_a_key_error(softhsm):
    source = KeySourceConfig(kind="pkcs11", module=SOFTHSM, token_label=AGENCY_TOKEN,
                             key_label="Không có khóa này")
    with pytest.raises(KeyAccessError, match="no key on token"):
        with open_key_source(source, secret=TOKEN_PIN):
            pass
    missing = KeySourceConfig(kind="pkcs11", module=SOFTHSM, token_label="Không có token")
    with pytest.raises(KeyAccessError, match="no token"):
        list_keys(missing, secret=TOKEN_PIN)


def test_keys_list_token_json(softhsm, secrets_env, capsys):
    code = run(["--lang", "en", "keys", "list", "--pkcs11-module", str(SOFTHSM), "--token",
                AGENCY_TOKEN, "--secret-env", "TRAMS_TEST_PIN", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    keys = json.loads(out)["keys"]
    assert len(keys) == 2  # the agency's certificate with its key, and the CA certificate
    key = next(k for k in keys if k["has_private_key"])
    assert next(k for k in keys if not k["has_private_key"])["key_id"] is not None
    assert key["label"] == AGENCY_KEY_LABEL and key["key_id"] == "0a01"
    assert "UBND xã Trà My" in key["subject"] and "TRAMS Demo Signing CA" in key["issuer"]
    assert key["has_private_key"] and "digital_signature" in key["key_usage"]
    assert key["not_after"].startswith("2031-01-01")
