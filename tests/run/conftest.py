"""Fixtures of the `trams run` tests: the demo PKI and a SoftHSM2 token, once per session,
and the run's secrets in environment variables (as a cron job gets them)."""

from __future__ import annotations

import pytest
from pkitools import TOKEN_PIN, make_softhsm
from runtools import P12_ENV, PIN_ENV
from trams.signing.demo_pki import DEMO_PASSPHRASE, serve_demo_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    with serve_demo_pki(tmp_path_factory.mktemp("pki")) as served:
        yield served


@pytest.fixture(scope="session")
def softhsm(pki, tmp_path_factory):
    try:
        return make_softhsm(pki, tmp_path_factory.mktemp("softhsm"))
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(autouse=True)
def run_secrets(monkeypatch):
    monkeypatch.setenv(P12_ENV, DEMO_PASSPHRASE)
    monkeypatch.setenv(PIN_ENV, TOKEN_PIN)
    yield {"p12": DEMO_PASSPHRASE, "pin": TOKEN_PIN}
