"""PKCS#12 / PEM key sources, `trams keys list` on a file, ECDSA, and `trams sign --extend`."""

from __future__ import annotations

import json
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from support.pki import write_config
from support.verifytools import pyhanko_statuses
from trams.cli.main import run
from trams.signing.demo_pki import DEMO_PASSPHRASE
from trams.signing.keys import list_keys, open_key_source

from trams.config import KeySourceConfig


def test_keys_list_pkcs12_human_and_json(pki, secrets_env, capsys):
    code = run(["--lang", "vi", "keys", "list", "--p12", str(pki.p12("leader")),
                "--secret-env", "TRAMS_TEST_P12"])
    human = capsys.readouterr().out
    assert code == 0
    assert "Nguyễn Văn Hùng" in human and "2025-01-01 .. 2031-01-01" in human
    code = run(["keys", "list", "--p12", str(pki.p12("nosign")), "--secret-env",
                "TRAMS_TEST_P12", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["kind"] == "keys"
    assert data["keys"][0]["key_usage"] == ["key_encipherment"]
    assert DEMO_PASSPHRASE not in json.dumps(data)


def test_pem_key_source_and_ecdsa(pki):
    source = KeySourceConfig(kind="pem", path=pki.key_pem("leader-ec"),
                             cert=pki.cert_pem("leader-ec"), chain=[pki.interm_pem])
    with open_key_source(source, secret=None) as key:
        assert key.common_name == "Trần Thị Thủy"
        assert key.certificate.public_key.algorithm == "ec"
    infos = list_keys(source, secret=None)
    assert infos[0].has_private_key and infos[1].subject.startswith("Common Name: TRAMS")


def test_ecdsa_leader_signs(pki, input_pdf, tmp_path, secrets_env, capsys):
    config = write_config(tmp_path, pki, leader="leader-ec")
    code = run(["--config", str(config), "sign", str(input_pdf), "-o", str(tmp_path / "o"),
                "--level", "B-T", "--signature-box", "380,170,520,240"])
    assert code == 0, capsys.readouterr().err
    for name, status in pyhanko_statuses(tmp_path / "o" / input_pdf.name, pki.root_pem):
        assert status.bottom_line, (name, status.summary())


def test_extend_adds_validation_data_and_a_fresh_timestamp(pki, input_pdf, tmp_path,
                                                           secrets_env, capsys):
    config = write_config(tmp_path, pki)
    assert run(["--config", str(config), "sign", str(input_pdf), "-o", str(tmp_path / "a"),
                "--level", "B-T"]) == 0
    signed = tmp_path / "a" / input_pdf.name
    code = run(["--config", str(config), "sign", "--extend", str(signed), "-o",
                str(tmp_path / "b"), "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads(out[out.index("{"):])
    assert report["kind"] == "sign-extend" and report["extended"][0]["signatures_extended"] == 2
    extended = tmp_path / "b" / input_pdf.name
    assert extended.read_bytes().startswith(signed.read_bytes())
    reader = PdfFileReader(BytesIO(extended.read_bytes()))
    assert len(reader.embedded_timestamp_signatures) == 1
    assert "/DSS" in reader.root
    for name, status in pyhanko_statuses(extended, pki.root_pem, ltv=True):
        assert status.bottom_line, (name, status.summary())
    # extending again chains a second document timestamp
    assert run(["--config", str(config), "sign", "--extend", str(extended), "-o",
                str(tmp_path / "c")]) == 0
    again = PdfFileReader(BytesIO((tmp_path / "c" / input_pdf.name).read_bytes()))
    assert len(again.embedded_timestamp_signatures) == 2
