"""`trams doctor` end to end, in-process: the demo PKI (TSA, OCSP, CRL on 127.0.0.1), real
Tesseract, set-ups written by `trams init`."""

from __future__ import annotations

from pathlib import Path

from support.doctor import SECRET_ENV, by_name, doctor, failed
from trams.signing.demo_pki import DEMO_PASSPHRASE, serve_demo_pki

from trams.errors import ExitCode


def test_good_setup_passes(make_setup, capsys) -> None:
    code, report, output = doctor(make_setup(), capsys, "--json")
    assert code == ExitCode.OK, failed(report)
    assert report["kind"] == "doctor" and report["schema_version"] == 1
    assert report["ok"] is True and report["exit_code"] == 0
    checks = by_name(report)
    for name in ("config", "agency", "tesseract", "ocr.languages", "inbox", "archive.layout",
                 "archive.writable", "archive.lock", "disk", "trust", "appearance.leader",
                 "appearance.agency", "secret.leader",
                 "key.leader", "certificate.leader", "revocation.leader", "secret.agency",
                 "key.agency", "certificate.agency", "revocation.agency", "tsa"):
        assert checks[name]["status"] == "ok", checks[name]
    assert SECRET_ENV in checks["secret.leader"]["message"]  # where it came from, not what
    assert "OCSP" in checks["revocation.leader"]["message"]
    assert "vie" in checks["ocr.languages"]["message"]
    assert DEMO_PASSPHRASE not in output


def test_text_table_in_english_and_vietnamese(make_setup, capsys) -> None:
    config = make_setup()
    code, text, output = doctor(config, capsys)
    assert code == ExitCode.OK
    assert "key.leader" in text and "OK" in text and "0 failed" in text
    code, text, output = doctor(config, capsys, lang="vi")
    assert code == ExitCode.OK
    assert "ĐẠT" in text and "trạng thái" in text
    assert "đạt các bước kiểm tra trước khi ký" in text
    assert "passes the pre-signing checks" not in text
    assert DEMO_PASSPHRASE not in output


def test_missing_secret_fails_without_prompting(make_setup, capsys, monkeypatch) -> None:
    config = make_setup()
    monkeypatch.delenv(SECRET_ENV)
    code, report, _output = doctor(config, capsys, "--json")
    checks = by_name(report)
    assert checks["secret.leader"]["status"] == "fail"
    assert SECRET_ENV in checks["secret.leader"]["message"]
    assert checks["secret.leader"]["hint"]
    assert "key.leader" not in checks  # nothing to open the key with
    assert code == ExitCode.CONFIG == report["exit_code"]


def test_no_secret_configured(make_setup, capsys) -> None:
    """No secret_env/secret_file for an encrypted PKCS#12 file: a FAIL, never a prompt."""
    config = make_setup()
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f'secret_env = "{SECRET_ENV}"\n', "", 1), encoding="utf-8")
    code, report, _output = doctor(config, capsys, "--json")
    check = by_name(report)["secret.leader"]
    assert failed(report) == ["secret.leader"]
    assert "no passphrase of the leader key is configured" in check["message"]
    assert "secret_env" in check["hint"]
    assert code == ExitCode.CONFIG


def test_wrong_passphrase(make_setup, capsys, monkeypatch) -> None:
    config = make_setup()
    wrong = "not-the-passphrase-4711"
    monkeypatch.setenv(SECRET_ENV, wrong)
    code, text, output = doctor(config, capsys)
    assert code == ExitCode.KEY
    line = next(x for x in text.splitlines() if "key.leader" in x)
    assert "FAIL" in line
    assert wrong not in output and DEMO_PASSPHRASE not in output


def test_incomplete_appearance(make_setup, capsys) -> None:
    """The seal's width is missing: `trams run` would refuse before any document."""
    config = make_setup()
    config.write_text(config.read_text(encoding="utf-8").replace("image_width_mm = 36\n", ""),
                      encoding="utf-8")
    code, report, _output = doctor(config, capsys, "--json")
    assert failed(report) == ["appearance.agency"]
    assert "image_width_mm" in by_name(report)["appearance.agency"]["hint"]
    assert code == ExitCode.CONFIG


def test_missing_language_data(make_setup, capsys) -> None:
    code, report, _output = doctor(make_setup(languages="xyz"), capsys, "--json")
    checks = by_name(report)
    assert checks["ocr.languages"]["status"] == "fail"
    assert "xyz" in checks["ocr.languages"]["message"]
    assert "tesseract-ocr-xyz" in checks["ocr.languages"]["hint"]
    assert failed(report) == ["ocr.languages"]
    assert code == ExitCode.DEPENDENCY


def test_unreachable_tsa(make_setup, capsys) -> None:
    code, report, _output = doctor(make_setup(tsa="http://127.0.0.1:9/"), capsys, "--json")
    checks = by_name(report)
    assert failed(report) == ["tsa"]
    assert "127.0.0.1:9" in checks["tsa"]["message"]
    assert code == ExitCode.NETWORK


def test_revoked_certificate(make_setup, capsys) -> None:
    code, report, _output = doctor(make_setup(agency="revoked"), capsys, "--json")
    checks = by_name(report)
    assert failed(report) == ["certificate.agency"]
    assert "revoked" in checks["certificate.agency"]["message"]
    assert code == ExitCode.CERTIFICATE


def test_unreachable_ocsp_and_crl(make_setup, capsys, tmp_path: Path) -> None:
    """Certificates naming OCSP/CRL servers that are gone: B-LT cannot embed their answers."""
    with serve_demo_pki(tmp_path / "gone") as gone:
        pass  # material written, server stopped: its URLs now refuse connections
    config = make_setup(pki=gone)
    code, report, _output = doctor(config, capsys, "--json")
    checks = by_name(report)
    assert checks["revocation.leader"]["status"] == "fail"
    assert "OCSP" in checks["revocation.leader"]["message"]
    assert "B-LT" in checks["revocation.leader"]["hint"]
    assert code == ExitCode.NETWORK  # the first failure (the TSA is gone as well)


def test_no_configuration_found(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, report, _output = doctor(None, capsys, "--json")
    assert [c["name"] for c in report["checks"]] == ["config"]
    assert report["checks"][0]["status"] == "fail"
    assert "trams init" in report["checks"][0]["hint"]
    assert code == ExitCode.CONFIG


def test_invalid_configuration(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "trams.toml"
    bad.write_text("[ocr]\nlanguage = \"vie\"\n", encoding="utf-8")
    code, report, _output = doctor(bad, capsys, "--json")
    assert failed(report) == ["config"]
    assert "ocr.language" in report["checks"][0]["message"]
    assert code == ExitCode.CONFIG
