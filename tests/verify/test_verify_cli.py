"""`trams verify` through the CLI: exit codes and every output format."""

from __future__ import annotations

import csv
import json

from trams.cli.main import run


def _argv(pki, *paths, extra=()):
    return ["verify", "--trust", str(pki.root_pem), "--policy", "vn-dual", *extra,
            *map(str, paths)]


def test_exit_codes(pki, docs, tmp_path, capsys):
    assert run(_argv(pki, docs["dual-B-LT"])) == 0
    assert run(_argv(pki, docs["dual-B-LT"], docs["tampered"])) == 11
    assert run(_argv(pki, docs["untrusted-root"], extra=["--policy", "any"])) == 12
    assert run(_argv(pki, docs["dual-B-LT"], docs["not-a-pdf"])) == 4
    assert run(_argv(pki, docs["dual-B-LT"], extra=["--revocation", "maybe"])) == 2
    assert run(_argv(pki, docs["dual-B-LT"], extra=["--at", "yesterday"])) == 2
    assert run(["verify", "--trust", str(tmp_path / "none.pem"), str(docs["dual-B-B"])]) == 3
    capsys.readouterr()


def test_json_has_schema_version(pki, docs, capsys):
    assert run(_argv(pki, docs["dual-B-T"], docs["added-page"], extra=["--format", "json"])) == 11
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema_version"] == 2 and doc["kind"] == "verify"
    assert doc["summary"] == {"files": 2, "passed": 1, "failed": 1, "indeterminate": 0,
                              "errors": 0}
    bad = next(f for f in doc["files"] if f["path"].endswith("added-page.pdf"))
    leader = bad["signatures"][0]
    assert leader["changes_after"] == "disallowed"
    assert "page 2 added" in [c["text"] for c in leader["changes"]]
    assert leader["indication"] == "TOTAL_FAILED"


def test_jsonl_streams_one_line_per_file(pki, docs, capsys):
    folder = docs["dual-B-B"].parent
    code = run(_argv(pki, folder, extra=["--format", "jsonl", "--offline", "--jobs", "2"]))
    assert code == 11
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(docs)
    assert all(json.loads(line)["schema_version"] == 2 for line in lines)


def test_csv_one_row_per_signature(pki, docs, tmp_path, capsys):
    out = tmp_path / "report.csv"
    assert run(_argv(pki, docs["dual-B-LT"], docs["not-a-pdf"],
                     extra=["--format", "csv", "--output", str(out)])) == 4
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads Vietnamese
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert {r["intact"] for r in rows if r["intact"]} <= {"true", "false"}
    assert len(rows) == 3  # two signatures + one error row
    signed = [r for r in rows if r["field_name"]]
    assert [r["field_name"] for r in signed] == ["Leader", "Agency"]
    assert signed[0]["signer_cn"] == "Nguyễn Văn Hùng"
    assert signed[0]["indication"] == "TOTAL_PASSED" and signed[0]["level"] == "B-LT"
    assert [r for r in rows if r["error"]][0]["file_verdict"] == "ERROR"
    capsys.readouterr()


def test_html_in_vietnamese_and_english(pki, docs, tmp_path, capsys):
    vi, en = tmp_path / "vi.html", tmp_path / "en.html"
    args = [docs["dual-B-LT"], docs["revoked"]]
    assert run(["--lang", "vi", *_argv(pki, *args, extra=["--format", "html", "--output",
                                                           str(vi)])]) == 11
    assert run(["--lang", "en", *_argv(pki, *args, extra=["--format", "html", "--output",
                                                           str(en)])]) == 11
    text_vi, text_en = vi.read_text(encoding="utf-8"), en.read_text(encoding="utf-8")
    assert "Báo cáo kiểm tra chữ ký số" in text_vi and 'lang="vi"' in text_vi
    # times in the report's language, in Vietnam time
    assert "bị thu hồi ngày 01/01/2026 07:00:00 (UTC+07:00)" in text_vi
    assert "Signature verification report" in text_en
    assert "revoked on 1 January 2026, 07:00:00 (UTC+07:00)" in text_en
    assert "<script" not in text_vi and "http" not in text_vi.split("<body>")[0]
    capsys.readouterr()


def test_text_output(pki, docs, capsys):
    assert run(_argv(pki, docs["dual-B-T"])) == 0
    out = capsys.readouterr().out
    assert "TOTAL_PASSED" in out and "Nguyễn Văn Hùng" in out
    assert "\x1b[" not in out  # no colour when not on a terminal


def test_text_output_names_file_warnings(pki, tmp_path, capsys):
    from support import sigmaker as sm

    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(sm.cms_signature(pki, "leader", damaged=True))
    assert run(["verify", "--trust", str(pki.root_pem), "--policy", "any", "--offline",
                str(damaged)]) == 0
    out = capsys.readouterr().out
    assert "the file's structure is damaged" in out and "TOTAL_PASSED" in out


def _twice_serial_certificate():
    """A self-signed certificate whose subject repeats serialNumber, as a Slovak qualified
    certificate in DSS's tests does (Signature-P-SK-1)."""
    import datetime

    from asn1crypto import x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Ján Novák"),
                       cx509.NameAttribute(NameOID.SERIAL_NUMBER, "ICA - 10150693"),
                       cx509.NameAttribute(NameOID.SERIAL_NUMBER, "PNOSK 5407021983")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    return x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def test_reports_render_what_other_vendors_files_hold(pki, docs):
    """Seen on DSS's test files: a later revision pyHanko cannot analyse (changes
    "unknown") and a subject that repeats an attribute. The text and HTML reports crashed
    on them (KeyError, AttributeError); the JSON carried a list where a string belongs."""
    import dataclasses
    from io import StringIO

    from rich.console import Console
    from trams.cli.verify_render import render_html, sig_rows
    from trams.cli.verify_text import print_report
    from trams.signing.verify import VerifyContext, verify_file
    from trams.signing.verify_trust import cert_info

    signer = cert_info(_twice_serial_certificate())
    assert signer.serial_number == "ICA - 10150693, PNOSK 5407021983"
    report = verify_file(docs["dual-B-T"], VerifyContext.build(trust=[pki.root_pem]))
    first = dataclasses.replace(report.signatures[0], changes_after="unknown", signer=signer,
                                indication="TOTAL_FAILED", sub_indication="HASH_FAILURE")
    report = dataclasses.replace(report, signatures=(first, *report.signatures[1:]))
    for lang in ("en", "vi"):
        out = StringIO()
        print_report(Console(file=out, width=200), report, lang)
        page = render_html([report], lang)
        assert "PNOSK 5407021983" in page
        words = "could not be analysed" if lang == "en" else "không phân tích được"
        assert words in out.getvalue() and words in page
    # pyHanko found the hash intact (signed attributes not DER are TRAMS's finding): the
    # integrity row follows the verdict, not pyHanko's flag
    rows = dict(sig_rows(first, "en"))
    assert first.intact and rows["Integrity"] == "broken", rows
