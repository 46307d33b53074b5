"""`trams doctor` with the agency key on a PKCS#11 token (SoftHSM2): module, token, PIN, key.

The token is made with the command-line tools and the doctor runs in a fresh process:
python-pkcs11 initialises SoftHSM2 once per process, so a token directory made after
another test folder's would not be seen in this one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.doctor import by_name, failed

from trams.errors import ExitCode

pytestmark = [pytest.mark.softhsm, pytest.mark.slow]  # fresh processes: ~15 s

SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN = "Token Văn thư UBND xã Trà My"
KEY_LABEL = "Khóa cơ quan"
PIN = "8642097531"  # test token only
PIN_ENV = "TRAMS_DOCTOR_TEST_PIN"


@pytest.fixture
def token_env(tmp_path: Path, demo_pki) -> dict[str, str]:
    """A SoftHSM2 token holding the demo agency key and certificate; the environment that
    points at it."""
    if not SOFTHSM.exists() or not shutil.which("softhsm2-util") \
            or not shutil.which("pkcs11-tool"):
        pytest.fail("SoftHSM2 and OpenSC are needed (apt-get install softhsm2 opensc)")
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\n"
                    "objectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    cert = tmp_path / "agency.der"
    cert.write_bytes(demo_pki.cert("agency").dump())
    for cmd in (
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--so-pin", "13579111",
         "--pin", PIN],
        ["softhsm2-util", "--import", str(demo_pki.key_pem("agency")), "--token", TOKEN,
         "--label", KEY_LABEL, "--id", "0a01", "--pin", PIN],
        ["pkcs11-tool", "--module", str(SOFTHSM), "--token-label", TOKEN, "--login", "--pin",
         PIN, "--write-object", str(cert), "--type", "cert", "--id", "0a01", "--label",
         KEY_LABEL],
    ):
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=60)
    return env


def doctor_process(config: Path, env: dict[str, str]) -> tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-m", "trams", "--lang", "en", "--config",
                           str(config), "doctor", "--json"], env=env, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout), proc.stdout + proc.stderr


def test_agency_key_on_a_token(make_setup, token_env) -> None:
    config = make_setup(agency_source=(
        f'kind = "pkcs11"\nmodule = "{SOFTHSM}"\ntoken_label = "{TOKEN}"\n'
        f'key_label = "{KEY_LABEL}"\nsecret_env = "{PIN_ENV}"\n'))
    code, report, output = doctor_process(config, {**token_env, PIN_ENV: PIN})
    assert code == ExitCode.OK, failed(report)
    checks = by_name(report)
    assert TOKEN in checks["key.agency"]["message"]
    assert checks["certificate.agency"]["status"] == "ok"
    assert PIN not in output

    code, report, output = doctor_process(config, {**token_env, PIN_ENV: "000000"})
    assert failed(report) == ["key.agency"]
    assert "wrong PIN" in by_name(report)["key.agency"]["message"]
    assert code == ExitCode.KEY


def test_token_not_present(make_setup, token_env) -> None:
    config = make_setup(agency_source=(
        f'kind = "pkcs11"\nmodule = "{SOFTHSM}"\ntoken_label = "no such token"\n'
        f'secret_env = "{PIN_ENV}"\n'))
    code, report, _output = doctor_process(config, {**token_env, PIN_ENV: PIN})
    assert failed(report) == ["key.agency"]
    assert "no such token" in by_name(report)["key.agency"]["message"]
    assert code == ExitCode.KEY
