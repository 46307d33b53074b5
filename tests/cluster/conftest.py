"""Fixtures of the cluster tests: the run's secrets in environment variables, as a cron job
gets them (the demo PKI comes from the session fixture ``pki``)."""

from __future__ import annotations

import pytest
from support.runs import P12_ENV
from trams.signing.demo_pki import DEMO_PASSPHRASE


@pytest.fixture(autouse=True)
def run_secrets(monkeypatch):
    monkeypatch.setenv(P12_ENV, DEMO_PASSPHRASE)
    yield {"p12": DEMO_PASSPHRASE}
