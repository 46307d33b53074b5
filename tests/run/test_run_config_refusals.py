"""`trams run` with a bad configuration stops before any work with the right exit code
(issue 13, item 4): no document failed for the configuration's sake, nothing moved,
nothing created. And a time-stamping server that answers garbage is "TSA unusable",
exit 9, never a crash."""

from __future__ import annotations

import json
import threading
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.hostile import png_bomb
from support.runs import PIN_ENV, archived_pdfs, sample_inbox, write_run_config
from trams.cli.main import run


def _run(cfg: Path, capsys) -> tuple[int, dict | None, str]:
    code = run(["--config", str(cfg), "run", "--json", "--log-format", "json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def _untouched(inbox: Path, archive: Path) -> None:
    assert (inbox / "03-to-trinh" / "page1.png").is_file()
    assert not (inbox / ".failed").exists()
    assert not archived_pdfs(archive)


@pytest.mark.parametrize(("setting", "value"), [
    ("agency", 'code = "../../x"'), ("agency", 'code = "/etc"'),
    ("archive", 'layout = "../{file_code}"'), ("metadata", 'file_code = "{name.__class__}"'),
    ("metadata", 'file_code = "{agency_code}/{name}"'),
])
def test_bad_names_stop_the_run_with_exit_3(pki, tmp_path, capsys, setting, value) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    text = cfg.read_text("utf-8")
    if setting == "agency":
        text = text.replace('code = "H42.01"', value)
    else:
        text = text.replace("[archive]", f"[{setting}]\n{value}\n\n[archive]", 1) \
            if setting == "metadata" else text + value + "\n"
    cfg.write_text(text, "utf-8")
    code, summary, err = _run(cfg, capsys)
    assert code == 3, (code, err[-500:])
    assert summary["aborted"]["error"] == "ConfigError", summary
    assert summary["log_file"] is None  # the configuration never named an archive
    assert all(json.loads(line) for line in err.splitlines())  # stderr: JSON events only
    _untouched(inbox, archive)
    assert not archive.exists()


def test_an_empty_agency_code_stops_the_run(pki, tmp_path, capsys) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    archive = tmp_path / "archive"
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=archive)
    cfg.write_text(cfg.read_text("utf-8").replace('code = "H42.01"', 'code = ""'), "utf-8")
    code, summary, _err = _run(cfg, capsys)
    assert code == 3 and "[agency] code" in summary["aborted"]["message"]
    _untouched(inbox, archive)


def test_a_fixed_signature_box_stops_the_run(pki, tmp_path, capsys) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    cfg.write_text(cfg.read_text("utf-8").replace(
        'level = "B-LT"', 'level = "B-LT"\nsignature_box = [500.0, 60.0, 340.0, 140.0]'),
        "utf-8")
    code, summary, _err = _run(cfg, capsys)
    assert code == 3 and "signature_box" in summary["aborted"]["message"]
    _untouched(inbox, tmp_path / "archive")


def test_a_decompression_bomb_as_seal_image_is_a_config_error(pki, tmp_path, capsys) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive")
    bomb = png_bomb(tmp_path / "seal.png", side=30_000)
    text = cfg.read_text("utf-8")
    seal = text[text.index("[signing.agency]"):]
    old_image = seal[seal.index('image = "'):].split("\n", 1)[0]
    cfg.write_text(text.replace(old_image, f'image = "{bomb}"'), "utf-8")
    code, summary, _err = _run(cfg, capsys)
    assert code == 3, summary
    assert "signing.agency.image" in summary["aborted"]["message"]
    _untouched(inbox, tmp_path / "archive")


# --- a time-stamping server that answers, but not with a timestamp -----------------------
def _real_response(pki) -> tuple[bytes, bytes]:
    """A real TimeStampResp of the demo TSA (for another request: replayed, it is a token
    over another digest with another nonce)."""
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.common_utils import dummy_digest

    _nonce, req = HTTPTimeStamper(pki.tsa_url()).request_cms(dummy_digest("sha256"), "sha256")
    request = urllib.request.Request(pki.tsa_url(), data=req.dump(), headers={
        "Content-Type": "application/timestamp-query"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - 127.0.0.1
        return answer.read(), answer.headers["Content-Type"].encode()


@contextmanager
def _tsa_answering(body: bytes, content_type: bytes):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type.decode())
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/tsa"
    finally:
        server.shutdown()
        server.server_close()


ANSWERS = ["random bytes", "DER of another type", "truncated response", "replayed response",
           "status granted, token garbage", "an HTML page"]


def _answer(kind: str, pki) -> tuple[bytes, bytes]:
    import random

    from asn1crypto import tsp

    real, content_type = _real_response(pki)
    if kind == "random bytes":
        return random.Random(1).randbytes(700), content_type
    if kind == "DER of another type":
        return bytes.fromhex("020105"), content_type  # INTEGER 5
    if kind == "truncated response":
        return real[: len(real) // 2], content_type
    if kind == "replayed response":
        return real, content_type
    if kind == "status granted, token garbage":
        token = tsp.TimeStampResp.load(real)["time_stamp_token"].dump()
        garbage = bytearray(token)
        for i in range(len(garbage) // 3, 2 * len(garbage) // 3):
            garbage[i] ^= 0x5A
        body = tsp.TimeStampResp.load(real)["status"].dump() + bytes(garbage)
        return b"\x30" + _der_length(len(body)) + body, content_type
    return b"<html><body>Service Unavailable</body></html>", b"text/html"


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


@pytest.mark.parametrize("kind", ANSWERS)
def test_a_tsa_answering_garbage_is_unusable_exit_9(pki, tmp_path, capsys, kind) -> None:
    body, content_type = _answer(kind, pki)
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    with _tsa_answering(body, content_type) as url:
        cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                               tsa=url)
        code, summary, err = _run(cfg, capsys)
    assert code == 9, (code, err[-1500:])
    aborted = summary["aborted"]
    assert aborted["error"] == "NetworkError" and "unusable" in aborted["message"], aborted
    assert url in aborted["message"]
    assert summary["timings"]["ocr_wait"] == 0.0  # found before any page was read
    assert all(json.loads(line) for line in err.splitlines())
    assert (inbox / "03-to-trinh" / "page1.png").is_file()


@pytest.mark.softhsm
def test_an_empty_pin_says_empty(pki, softhsm, tmp_path, capsys, monkeypatch) -> None:
    inbox = sample_inbox(tmp_path / "inbox", ("03-to-trinh",))
    cfg = write_run_config(tmp_path, pki, inbox=inbox, archive=tmp_path / "archive",
                           agency_token=True)
    monkeypatch.setenv(PIN_ENV, "")
    code, summary, _err = _run(cfg, capsys)
    assert code == 3, summary
    assert "empty" in summary["aborted"]["message"] and PIN_ENV in summary["aborted"]["message"]
    assert "no key on token" not in summary["aborted"]["message"]

    # an empty answer at a prompt: the token is never opened without its PIN
    from trams.signing.keys import open_key_source

    from trams.config import load_config
    from trams.errors import KeyAccessError

    source = load_config(cfg).signing.agency
    with pytest.raises(KeyAccessError, match="empty"):
        with open_key_source(source, secret=""):
            pass
