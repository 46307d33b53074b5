"""The bundled samples, installed as ``trams.samples`` (package data): the sample scans
(``scans/``), the leader's signature and the agency's seal (``images/``), the demo-only PKI
(``pki/``) and a commented ``trams.toml``. See ``README.md`` in this folder. ``trams demo``
runs on them, from a source checkout or an installed wheel alike."""

from importlib import resources
from pathlib import Path


def folder() -> Path:
    """Where the samples are (the repository's ``samples/``, or the installed package)."""
    return Path(str(resources.files(__name__)))
