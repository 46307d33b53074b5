"""`trams init`: the commented template, the folders, never overwriting a configuration."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel
from trams.cli.main import run

from trams.config import (
    ArchiveConfig,
    InboxConfig,
    KeySourceConfig,
    MetadataConfig,
    OcrConfig,
    PdfaConfig,
    SigningConfig,
    TramsConfig,
    TrustConfig,
    TsaConfig,
    load_config,
)
from trams.errors import ExitCode
from trams.scaffold import FOLDERS, render_config, template_text

# "#key = value" and "#[table]": optional settings and examples, enabled by deleting the "#".
SETTING_LINE = re.compile(r"^#(?=[A-Za-z_\[])")
QUOTED = re.compile(r'"[^"]*"')
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.IGNORECASE)


def uncommented(text: str) -> str:
    return "\n".join(SETTING_LINE.sub("", line) for line in text.splitlines())


def test_init_writes_config_and_folders(tmp_path: Path, capsys) -> None:
    site = tmp_path / "xa-tra-my"
    code = run(["--lang", "en", "init", str(site), "--agency-name", "UBND xã Trà My",
                "--agency-code", "H42.01"])
    assert code == ExitCode.OK
    for name in FOLDERS:
        assert (site / name).is_dir()
    assert "trams doctor" in capsys.readouterr().out

    config = load_config(site / "trams.toml")
    assert config.agency.name == "UBND xã Trà My" and config.agency.code == "H42.01"
    assert config.inbox == InboxConfig(path=site / "inbox")
    assert config.archive == ArchiveConfig(path=site / "archive")
    assert config.trust == TrustConfig(roots=[site / "certs"])
    # every other value written is the model's default: template and model do not drift
    assert config.ocr == OcrConfig() and config.pdfa == PdfaConfig()
    assert config.signing == SigningConfig() and config.tsa == TsaConfig()
    assert config.metadata == MetadataConfig()
    assert config.jobs == TramsConfig().jobs and config.lang is None


def test_init_defaults_to_the_current_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["--lang", "en", "init", "--json"]) == ExitCode.OK
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "init" and report["backup"] is None
    assert Path(report["config"]).resolve() == tmp_path / "trams.toml"
    assert (tmp_path / "trams.toml").is_file() and (tmp_path / "inbox").is_dir()
    assert load_config(tmp_path / "trams.toml").agency.name == ""


def test_init_never_overwrites_without_force(tmp_path: Path, capsys) -> None:
    existing = tmp_path / "trams.toml"
    existing.write_text('[agency]\nname = "mine"\n', encoding="utf-8")
    assert run(["--lang", "en", "init", str(tmp_path)]) == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert existing.read_text(encoding="utf-8") == '[agency]\nname = "mine"\n'

    assert run(["--lang", "en", "init", str(tmp_path), "--force", "--agency-code", "X1"]) == 0
    assert (tmp_path / "trams.toml.bak").read_text(encoding="utf-8") == \
        '[agency]\nname = "mine"\n'
    assert load_config(existing).agency.code == "X1"


def test_refusal_in_vietnamese(tmp_path: Path, capsys) -> None:
    (tmp_path / "trams.toml").write_text("", encoding="utf-8")
    assert run(["--lang", "vi", "init", str(tmp_path)]) == ExitCode.CONFIG
    assert "đã có tệp cấu hình" in capsys.readouterr().err


@pytest.mark.parametrize("name", ['UBND xã "Trà My"', "a\\b", "dòng 1\ndòng 2"])
def test_agency_values_are_escaped(name: str) -> None:
    data = tomllib.loads(render_config(agency_name=name, agency_code="H42.01"))
    assert data["agency"]["name"] == name


def test_uncommented_examples_validate() -> None:
    """Deleting the '#' of every optional setting and example gives a valid configuration,
    with a PKCS#12, a PKCS#11 and a PEM key source; secrets only by name."""
    data = tomllib.loads(uncommented(template_text()))
    config = TramsConfig.model_validate(data)
    assert config.signing.leader.kind == "pkcs12"
    assert config.signing.agency.kind == "pkcs11"
    assert config.signing.officer.kind == "pem"
    for source in (config.signing.leader, config.signing.agency, config.signing.officer):
        assert source.secret_env or source.secret_file
    assert config.jobs == 2 and config.lang == "vi"


def _keys(model: type[BaseModel]) -> set[str]:
    return {name for name, field in model.model_fields.items() if not field.exclude}


def test_template_names_every_setting() -> None:
    """Every key of every section of the config model appears in the template (enabled or
    as a '#key' example), so the file documents the whole model."""
    data = tomllib.loads(uncommented(template_text()))
    assert set(data) == _keys(TramsConfig)
    for section in ("agency", "inbox", "ocr", "pdfa", "tsa", "trust", "metadata", "archive"):
        model = TramsConfig.model_fields[section].annotation
        assert set(data[section]) == _keys(model), section
    signing = data["signing"]
    roles = {"leader", "agency", "officer"}
    assert set(signing) == _keys(SigningConfig)
    used = set().union(*(signing[role] for role in roles))
    assert used == _keys(KeySourceConfig)


def test_every_explanation_is_in_both_languages() -> None:
    """Each block of explanation lines has a Vietnamese line and an English one (or one
    line holding both, "English / Tiếng Việt")."""
    blocks: list[list[str]] = [[]]
    for line in template_text().splitlines():
        if line.startswith("# "):
            blocks[-1].append(line[2:])
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    assert len(blocks) > 40
    for block in blocks:
        prose = [QUOTED.sub("", x) for x in block]  # examples such as "UBND xã Trà My"
        vi = [x for x in prose if VIETNAMESE.search(x)]
        en = [x for x in prose if not VIETNAMESE.search(x)]
        both = [x for x in prose if " / " in x and VIETNAMESE.search(x)]
        assert (vi and en) or both, block


def test_template_is_package_data() -> None:
    """The wheel carries the template (tests/test_packaging.py builds and installs it)."""
    from fnmatch import fnmatch

    root = Path(__file__).resolve().parents[2]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["trams"]
    assert any(fnmatch("templates/trams.toml", g) for g in globs), globs
