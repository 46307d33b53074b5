"""Fixtures of the init/doctor tests: the demo PKI, and set-ups made by `trams init`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.doctor import SECRET_ENV
from trams.cli.main import run
from trams.signing.demo_pki import DEMO_PASSPHRASE

IMAGES = Path(__file__).resolve().parents[2] / "samples" / "images"


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRAMS_CONFIG", raising=False)


@pytest.fixture(scope="session")
def demo_pki(pki):
    return pki


@pytest.fixture
def make_setup(tmp_path: Path, demo_pki, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture):
    """A folder set up by `trams init`, then completed as a clerk would: the demo root in
    certs/, the TSA URL, and leader and agency PKCS#12 files whose passphrase is in an
    environment variable. Returns the path of its trams.toml."""
    monkeypatch.setenv(SECRET_ENV, DEMO_PASSPHRASE)

    def make(*, leader: str = "leader", agency: str = "agency", tsa: str | None = None,
             languages: str | None = None, pki=None, agency_source: str | None = None
             ) -> Path:
        """``agency_source``: the body of [signing.agency] instead of a PKCS#12 file."""
        pki = pki or demo_pki
        folder = tmp_path / "site"
        assert run(["--lang", "en", "init", str(folder), "--agency-name", "UBND xã Trà My",
                    "--agency-code", "H42.01"]) == 0
        capsys.readouterr()  # the tests read only what the doctor prints
        shutil.copy(pki.root_pem, folder / "certs" / "root.pem")
        config = folder / "trams.toml"
        text = config.read_text(encoding="utf-8")
        text = text.replace("urls = []", f'urls = ["{tsa or pki.tsa_url()}"]', 1)
        if languages is not None:
            text = text.replace('languages = "vie"', f'languages = "{languages}"', 1)
        appearance = {"leader": f'image = "{IMAGES / "leader-signature.png"}"\n',
                      "agency": f'image = "{IMAGES / "agency-seal.png"}"\nimage_width_mm = 36\n'}
        for role, label in (("leader", leader), ("agency", agency)):
            source = (f'kind = "pkcs12"\npath = "{pki.p12(label)}"\n'
                      f'secret_env = "{SECRET_ENV}"\n')
            if role == "agency" and agency_source:
                source = agency_source
            text += f"\n[signing.{role}]\n{source}{appearance[role]}"
        config.write_text(text, encoding="utf-8")
        return config

    return make
