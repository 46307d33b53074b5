"""Fixtures of the `trams run` tests: the demo PKI and a SoftHSM2 token, once per session,
and the run's secrets in environment variables (as a cron job gets them)."""

from __future__ import annotations

import pytest
from support.pki import TOKEN_PIN
from support.runs import P12_ENV, PIN_ENV
from trams.signing.demo_pki import DEMO_PASSPHRASE


@pytest.fixture(autouse=True)
def run_secrets(monkeypatch):
    monkeypatch.setenv(P12_ENV, DEMO_PASSPHRASE)
    monkeypatch.setenv(PIN_ENV, TOKEN_PIN)
    yield {"p12": DEMO_PASSPHRASE, "pin": TOKEN_PIN}
