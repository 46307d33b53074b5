"""Fixtures: the demo PKI served once per session, test PDFs, a SoftHSM2 token, config.

The helpers (write_config, token_source, the token constants) live in tests/support/pki.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.pdfs import make_pdf
from support.pki import TOKEN_PIN
from trams.signing.demo_pki import DEMO_PASSPHRASE


@pytest.fixture(scope="session")
def input_pdf(tmp_path_factory) -> Path:
    """A one-page PDF/A-2b-style decision with the leader's title and name in its text."""
    return make_pdf(tmp_path_factory.mktemp("inputs") / "quyet-dinh.pdf")


@pytest.fixture(scope="session")
def secrets_env():
    """The demo passphrase and test PIN in environment variables, as a deployment would."""
    old = {k: os.environ.get(k) for k in ("TRAMS_TEST_P12", "TRAMS_TEST_PIN")}
    os.environ["TRAMS_TEST_P12"] = DEMO_PASSPHRASE
    os.environ["TRAMS_TEST_PIN"] = TOKEN_PIN
    yield {"p12": "TRAMS_TEST_P12", "pin": "TRAMS_TEST_PIN"}
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


