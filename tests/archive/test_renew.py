"""`trams archive renew` on an archive filled by `trams run` at B-LT (real OCR, the demo PKI
and its TSA): the due documents get an archive timestamp and become a new version; the
earlier version stays as it was; the archive checks clean and the search finds the new
version; nothing is due afterwards; an unreachable TSA changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.archive import tree_state
from support.runs import P12_ENV, sample_inbox, write_run_config
from support.verifytools import pdfsig, pyhanko_statuses
from trams.cli.main import run
from trams.signing.demo_pki import DEMO_PASSPHRASE


def _files(archive: Path) -> dict:
    """The archive's files (aside: SQLite's -wal/-shm, made by a reader, and the writer's
    lock file, which holds the pid of the last writer)."""
    return {k: v for k, v in tree_state(archive).items()
            if not k.endswith(("-wal", "-shm")) and k != ".trams/lock"}


def _json(capsys, *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = run(list(args))
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def site(pki, tmp_path, monkeypatch, capsys) -> Path:
    """trams.toml of a site whose archive holds one document signed at B-LT."""
    monkeypatch.setenv(P12_ENV, DEMO_PASSPHRASE)
    inbox = sample_inbox(tmp_path / "inbox", ("01-quyet-dinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    code, summary = _json(capsys, "--config", str(cfg), "run", "--json", "--log-format", "json")
    assert code == 0, summary
    return cfg


@pytest.mark.slow
def test_renew_adds_an_archive_timestamp_as_a_new_version(site: Path, pki, capsys) -> None:
    cfg = ["--lang", "en", "--config", str(site)]
    archive = site.parent / "archive"
    before = _files(archive)
    # a dry run says what is due and writes nothing
    code, dry = _json(capsys, *cfg, "archive", "renew", "--dry-run", "--json")
    assert code == 0 and dry["dry_run"] and dry["checked"] == 1, dry
    [due] = dry["renewed"]
    assert due["reason"] == "no_archive_timestamp" and due["version_before"] == 1
    assert due["version"] is None and _files(archive) == before

    code, report = _json(capsys, *cfg, "archive", "renew", "--json")
    assert code == 0, report
    [done] = report["renewed"]
    assert done["version"] == 2 and done["verdict"] == "TOTAL_PASSED"
    new = Path(done["pdf"])
    # the earlier version is still there, byte for byte
    kept = {name: state for name, state in before.items() if name.endswith(".pdf")}
    after = _files(archive)
    assert kept and all(after[name] == state for name, state in kept.items()), kept
    # the new version: the two signatures intact (poppler), B-LTA for TRAMS, and for
    # pyHanko valid offline from the document's own validation data
    signatures = {s["Signature Field Name"]: s for s in pdfsig(new)}
    assert all(signatures[f]["Signature Validation"] == "Signature is Valid."
               for f in ("Leader", "Agency")), signatures
    assert "ArchiveTimestamp1" in signatures  # poppler does not verify timestamps
    assert all(status.bottom_line for _f, status in
               pyhanko_statuses(new, pki.root_pem, ltv=True)), new
    code, verified = _json(capsys, *cfg, "verify", str(new), "--format", "json")
    assert code == 0, verified
    levels = {s["level"] for f in verified["files"] for s in f["signatures"]}
    assert levels == {"B-LTA"} and verified["files"][0]["doc_timestamps"], verified
    # the archive: clean, two versions, the search finds the document once, on version 2
    assert run([*cfg, "archive", "check"]) == 0
    code, shown = _json(capsys, *cfg, "archive", "show", done["doc_code"], "--json")
    assert [v["version"] for v in shown["documents"][0]["versions"]] == [1, 2], shown
    code, found = _json(capsys, *cfg, "archive", "search", "quyết định", "--format", "json")
    assert [h["path"] for h in found["hits"]] == [str(new)], found
    # nothing is due now (the demo TSA's certificate runs to 2040) ...
    code, again = _json(capsys, *cfg, "archive", "renew", "--json")
    assert code == 0 and again["renewed"] == [] and again["not_due"] == 1, again
    # ... unless the expiry is within the window asked for
    code, window = _json(capsys, *cfg, "archive", "renew", "--within", "36500", "--json")
    assert code == 0, window
    [third] = window["renewed"]
    assert third["reason"] == "timestamp_expires" and third["expires"].startswith("2040")
    assert third["version"] == 3


@pytest.mark.slow
def test_an_unreachable_tsa_changes_nothing(site: Path, capsys) -> None:
    archive = site.parent / "archive"
    before = _files(archive)
    capsys.readouterr()
    code = run(["--lang", "en", "--config", str(site), "archive", "renew", "--all",
                "--tsa", "http://127.0.0.1:9/tsa"])
    out = capsys.readouterr()
    assert code == 9, out  # NETWORK, as `trams sign` and `trams run` report it
    assert "127.0.0.1:9" in out.err
    assert _files(archive) == before


@pytest.mark.slow
def test_a_file_that_cannot_be_renewed_fails_alone(site: Path, pki, tmp_path, capsys) -> None:
    """Beside the site's own document, two files archived unverified on request, as another
    agency's files can be: one signed by a key that chains to no trust root (its validation
    data cannot be gathered), one encrypted. Each fails with its reason; the site's own
    document is renewed (pyHanko's PathBuildingError used to stop the whole command)."""
    import pikepdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from support.pdfs import make_pdf

    rogue = signers.SimpleSigner.load_pkcs12(str(pki.p12("rogue-signer")),
                                             passphrase=DEMO_PASSPHRASE.encode())
    writer = IncrementalPdfFileWriter(make_pdf(tmp_path / "other.pdf").open("rb"))
    untrusted = tmp_path / "untrusted.pdf"
    untrusted.write_bytes(signers.sign_pdf(writer, signers.PdfSignatureMetadata(
        field_name="Other"), signer=rogue).getvalue())
    encrypted = tmp_path / "encrypted.pdf"
    with pikepdf.open(untrusted) as pdf:
        pdf.save(encrypted, encryption=pikepdf.Encryption(user="", owner="owner"))
    cfg = ["--lang", "en", "--config", str(site)]
    assert run([*cfg, "archive", "add", "--record", "H42.01.2026.KHAC", "--force-unverified",
                str(untrusted), str(encrypted)]) == 0
    code, report = _json(capsys, *cfg, "archive", "renew", "--json")
    assert code == 5, report  # PARTIAL
    assert [r["doc_code"] for r in report["renewed"]] == ["H42.01.2026.01-quyet-dinh.0000001"]
    codes = sorted((f["doc_code"], f["code"]) for f in report["failed"])
    assert codes == [("H42.01.2026.KHAC.0000001", "extend_failed"),
                     ("H42.01.2026.KHAC.0000002", "pdf_encrypted")], report
