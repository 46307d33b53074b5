"""Refusals through the command line: message, exit code, and no output file."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm
from support.pki import AGENCY_KEY_LABEL, AGENCY_TOKEN, token_source, write_config
from trams.cli.main import run
from trams.signing.demo_pki import DEMO_PASSPHRASE

from trams.errors import ExitCode


def sign_cli(tmp_path: Path, config: Path, inputs: list[Path], *extra: str):
    out = tmp_path / "out"
    code = run(["--lang", "en", "--config", str(config), "sign", *map(str, inputs),
                "-o", str(out), *extra])
    return code, out


def refused(capsys, code: int, out: Path, expected: ExitCode, *words: str) -> str:
    err = capsys.readouterr().err
    assert code == expected, err
    assert not out.exists() or not any(out.iterdir()), "no output file on refusal"
    for word in words:
        assert word in err, err
    return err


@pytest.mark.parametrize(("leader", "words"), [
    ("expired", ("expired on 2025-06-30",)),
    ("revoked", ("revoked",)),
    ("nosign", ("not for signing", "key_encipherment")),
    ("rogue-signer", ("does not chain to a configured trust root",)),
])
def test_certificate_refused(pki, input_pdf, tmp_path, capsys, secrets_env, leader, words):
    config = write_config(tmp_path, pki, leader=leader)
    code, out = sign_cli(tmp_path, config, [input_pdf])
    refused(capsys, code, out, ExitCode.CERTIFICATE, "signing refused", *words)


def test_certificate_problem_can_be_a_warning(pki, input_pdf, tmp_path, capsys, secrets_env):
    config = write_config(tmp_path, pki, leader="expired",
                          extra='on_certificate_problem = "warn"')
    code, out = sign_cli(tmp_path, config, [input_pdf], "--level", "B-T", "--json",
                         "--signature-box", "380,170,520,240")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / input_pdf.name).is_file()
    assert "expired on 2025-06-30" in captured.out  # the JSON summary carries the warning


def test_wrong_passphrase(pki, input_pdf, tmp_path, capsys, secrets_env, monkeypatch):
    monkeypatch.setenv("TRAMS_TEST_BAD", "not-the-passphrase")
    config = write_config(tmp_path, pki, leader_src=(
        f'kind = "pkcs12"\npath = "{pki.p12("leader")}"\nsecret_env = "TRAMS_TEST_BAD"\n'))
    code, out = sign_cli(tmp_path, config, [input_pdf])
    err = refused(capsys, code, out, ExitCode.KEY, "wrong passphrase", "leader.p12")
    assert "not-the-passphrase" not in err and DEMO_PASSPHRASE not in err


@pytest.mark.softhsm
def test_wrong_pin(pki, softhsm, input_pdf, tmp_path, capsys, secrets_env, monkeypatch):
    monkeypatch.setenv("TRAMS_TEST_BADPIN", "999999")
    src = token_source(AGENCY_TOKEN, AGENCY_KEY_LABEL).replace("TRAMS_TEST_PIN",
                                                               "TRAMS_TEST_BADPIN")
    config = write_config(tmp_path, pki, agency_src=src)
    code, out = sign_cli(tmp_path, config, [input_pdf])
    err = refused(capsys, code, out, ExitCode.KEY, "wrong PIN", AGENCY_TOKEN)
    assert "999999" not in err


def test_agency_before_leader(pki, input_pdf, tmp_path, capsys, secrets_env):
    config = write_config(tmp_path, pki)
    code, out = sign_cli(tmp_path, config, [input_pdf], "--role", "agency")
    refused(capsys, code, out, ExitCode.SIGNING_POLICY, "needs the leader's signature",
            input_pdf.name)


def test_certified_no_changes_document(pki, input_pdf, tmp_path, capsys, secrets_env):
    certified = tmp_path / "certified.pdf"
    signer = signers.SimpleSigner.load_pkcs12(str(pki.p12("officer")),
                                              passphrase=DEMO_PASSPHRASE.encode())
    writer = IncrementalPdfFileWriter(BytesIO(input_pdf.read_bytes()))
    meta = signers.PdfSignatureMetadata(field_name="Certification", certify=True,
                                        docmdp_permissions=MDPPerm.NO_CHANGES)
    certified.write_bytes(signers.sign_pdf(writer, meta, signer=signer).getvalue())
    config = write_config(tmp_path, pki)
    code, out = sign_cli(tmp_path, config, [certified], "--level", "B-B")
    refused(capsys, code, out, ExitCode.SIGNING_POLICY, "certified with no changes allowed")


def test_tsa_unreachable_is_an_error_not_b_b(pki, input_pdf, tmp_path, capsys, secrets_env):
    config = write_config(tmp_path, pki, tsa="http://127.0.0.1:9/tsa")
    code, out = sign_cli(tmp_path, config, [input_pdf], "--level", "B-T")
    refused(capsys, code, out, ExitCode.NETWORK, "no time-stamping server answered",
            "127.0.0.1:9")


def test_tsa_list_falls_back_to_the_next_server(pki, input_pdf, tmp_path, capsys,
                                                secrets_env):
    config = write_config(tmp_path, pki, tsa="http://127.0.0.1:9/tsa")
    code, out = sign_cli(tmp_path, config, [input_pdf], "--level", "B-T",
                         "--tsa", "http://127.0.0.1:9/tsa", "--tsa", pki.tsa_url(), "--json")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert pki.tsa_url() in captured.out


def test_secrets_never_in_argv(pki, input_pdf, tmp_path, capsys):
    """There is no option that takes a secret itself: only variable names."""
    code = run(["--lang", "en", "sign", "--help"])
    help_text = capsys.readouterr().out
    assert code == 0
    assert "--passphrase" not in help_text and "--pin " not in help_text
    assert os.environ.get("TRAMS_TEST_P12") in (None, DEMO_PASSPHRASE)


def _with_damaged_dss(src: Path, dst: Path) -> Path:
    """``src`` with a validation data store whose certificate stream is cut short (as in
    DSS's pades-enveloping-empty-bytes-cms.pdf, which made pyHanko's zlib raise)."""
    import zlib

    import pikepdf

    with pikepdf.open(src) as pdf:
        cert = pikepdf.Stream(pdf, zlib.compress(b"0" * 4000)[:40])
        cert.Filter = pikepdf.Name.FlateDecode
        pdf.Root.DSS = pdf.make_indirect(pikepdf.Dictionary(Certs=pikepdf.Array([cert])))
        pdf.save(dst)
    return dst


def test_a_damaged_dss_is_refused_before_signing_at_b_lt(pki, input_pdf, tmp_path, capsys,
                                                          secrets_env):
    damaged = _with_damaged_dss(input_pdf, tmp_path / "damaged-dss.pdf")
    config = write_config(tmp_path, pki)
    code, out = sign_cli(tmp_path, config, [damaged], "--level", "B-LT")
    err = refused(capsys, code, out, ExitCode.INPUT, "validation data (DSS) cannot be read",
                  "damaged-dss.pdf", "[dss_damaged]")
    assert "Internal error" not in err


def test_a_scan_image_given_to_sign_is_named_for_what_it_is(pki, tmp_path, capsys,
                                                            secrets_env):
    from PIL import Image

    scan = tmp_path / "scan.png"
    Image.new("L", (64, 64), 255).save(scan)
    code, out = sign_cli(tmp_path, write_config(tmp_path, pki), [scan])
    refused(capsys, code, out, ExitCode.INPUT, "scan.png: this is a scanned image (PNG), not "
            "a PDF", "`trams ocr` then `trams sign`", "[not_a_pdf]")


def test_an_earlier_broken_signature_is_kept_as_it_was(pki, input_pdf, tmp_path, capsys,
                                                       secrets_env):
    """Another signer's signature, broken before the file reached TRAMS, is the verifier's
    to judge: the agency's copy signature is added beside it, which leaves it as it was."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    signer = signers.SimpleSigner.load_pkcs12(str(pki.p12("officer")),
                                              passphrase=DEMO_PASSPHRASE.encode())
    writer = IncrementalPdfFileWriter(BytesIO(input_pdf.read_bytes()))
    signed = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Other"),
                              signer=signer).getvalue()
    assert signed.startswith(b"%PDF-1.")
    broken = tmp_path / "broken-earlier.pdf"
    broken.write_bytes(b"%PDF-1.6" + signed[len(b"%PDF-1.7"):])  # a covered byte changed
    config = write_config(tmp_path, pki)
    code, out = sign_cli(tmp_path, config, [broken], "--profile", "copy", "--level", "B-T",
                         "--json")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = (out / broken.name).read_bytes()
    assert result.startswith(broken.read_bytes())
    by_field = {s.field_name: validate_pdf_signature(s, skip_diff=True)
                for s in PdfFileReader(BytesIO(result)).embedded_signatures}
    assert not by_field["Other"].intact  # broken before, broken after
    theirs = [status for name, status in by_field.items() if name != "Other"]
    assert len(theirs) == 1 and theirs[0].intact and theirs[0].valid


def test_ocr_refuses_a_signed_pdf_instead_of_rewriting_it(pki, input_pdf, tmp_path, capsys):
    """Making a PDF/A of a signed PDF rewrites it, which breaks its signatures (a run used
    to do so, then failed on its own check with "report it"): refused up front, with the
    way to keep the signatures."""
    signer = signers.SimpleSigner.load_pkcs12(str(pki.p12("officer")),
                                              passphrase=DEMO_PASSPHRASE.encode())
    writer = IncrementalPdfFileWriter(BytesIO(input_pdf.read_bytes()))
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(signers.sign_pdf(writer, signers.PdfSignatureMetadata(
        field_name="Other"), signer=signer).getvalue())
    out = tmp_path / "out.pdf"
    code = run(["--lang", "en", "ocr", str(signed), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == ExitCode.INPUT, err
    assert "carries 1 digital signature(s)" in err and "trams archive add" in err, err
    assert "[pdf_signed]" in err and not out.exists()
