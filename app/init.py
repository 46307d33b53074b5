"""`trams init`: a commented trams.toml (Vietnamese and English) and the folders inbox/,
archive/, certs/. An existing trams.toml is never replaced unless ``force`` (it is then
kept as trams.toml.bak)."""

from __future__ import annotations

from pathlib import Path

from trams.scaffold import InitResult, init_folder


def init(folder: Path = Path("."), *, agency_name: str = "", agency_code: str = "",
         force: bool = False) -> InitResult:
    return init_folder(folder, agency_name=agency_name, agency_code=agency_code, force=force)
