"""The README's path from the demo to a trial site: `trams demo --serve DIR` keeps the demo
PKI running and writes a site whose trams.toml (samples/trams.toml) passes `trams doctor`;
`trams run` then signs and archives one's own scans there."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from trams.app.demo import site_config

from trams import samples

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _trams(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trams", "--lang", "en", *args],
                          capture_output=True, text=True, timeout=600, env=env,
                          stdin=subprocess.DEVNULL)


def test_demo_serve_gives_a_site_that_doctor_passes_and_run_signs(tmp_path: Path) -> None:
    site = tmp_path / "trial"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAMS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "trams", "--lang", "en", "demo", "--serve", "--output", str(site),
         "--port", str(port), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, stdin=subprocess.DEVNULL)
    try:
        ready = json.loads(_read_json_document(server))
        assert ready["kind"] == "demo-serve" and ready["url"] == f"http://127.0.0.1:{port}"
        config = site / "trams.toml"
        assert config.read_text("utf-8") == site_config(port)
        assert site_config(8080) == (samples.folder() / "trams.toml").read_text("utf-8")
        assert (site / "pki" / "passphrase.txt").stat().st_mode & 0o077 == 0

        doctor = _trams("--config", str(config), "doctor", "--json", env=env)
        report = json.loads(doctor.stdout)
        failed = [c for c in report["checks"] if c["status"] != "ok"]
        assert doctor.returncode == 0 and not failed, failed

        shutil.copytree(samples.folder() / "scans" / "03-to-trinh", site / "inbox" / "to-trinh",
                        ignore=shutil.ignore_patterns("*.txt"))
        run = _trams("--config", str(config), "run", "--json", env=env)
        assert run.returncode == 0, run.stderr[-2000:]
        summary = json.loads(run.stdout)
        [doc] = summary["documents"]
        assert doc["status"] == "archived" and doc["verification"] == "TOTAL_PASSED"
        assert Path(doc["path"]).is_relative_to(site / "archive")
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0, server.stderr.read()[-2000:]


def _read_json_document(proc: subprocess.Popen) -> str:
    """The first JSON document the server prints (pretty-printed: up to the closing brace)."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("}"):
            return "".join(lines)
    raise AssertionError(proc.stderr.read()[-2000:])
