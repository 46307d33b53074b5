"""Session fixtures shared by every test folder.

``pki``: the demo PKI (certomancer) served on 127.0.0.1, once per test process.
``softhsm``: one SoftHSM2 token directory per test process. python-pkcs11 reads
SOFTHSM2_CONF only when it first loads the module in a process, so two token directories
in one process would leave the second invisible; every folder uses this one.
"""

from __future__ import annotations

import pytest
from support.pki import make_softhsm
from trams.signing.demo_pki import serve_demo_pki


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
