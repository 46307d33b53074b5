"""trams.toml validation: unknown keys and wrong types name the key and its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from trams.config import TramsConfig, load_config, read_secret
from trams.errors import ConfigError, ExitCode

ROOT = Path(__file__).resolve().parents[1]


def test_sample_config_is_valid() -> None:
    config = load_config(ROOT / "samples" / "trams.toml")
    assert config.agency.name == "UBND xã Trà My"
    assert config.signing.level in ("B-T", "B-LT", "B-LTA")
    assert config.archive.path.is_absolute()  # relative paths resolve against the file


def test_unknown_key_names_key_and_line(tmp_path: Path) -> None:
    cfg = tmp_path / "trams.toml"
    cfg.write_text('[agency]\nname = "UBND"\n\n[ocr]\nlanguages = "vie"\nlanguage = "eng"\n')
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert "ocr.language" in info.value.message and "line 6" in info.value.message
    assert info.value.exit_code == ExitCode.CONFIG
    assert str(cfg) in info.value.one_line()


def test_wrong_type_names_key(tmp_path: Path) -> None:
    cfg = tmp_path / "trams.toml"
    cfg.write_text("jobs = \"many\"\n")
    with pytest.raises(ConfigError, match="jobs.*line 1"):
        load_config(cfg)


def test_broken_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "trams.toml"
    cfg.write_text("[agency\n")
    with pytest.raises(ConfigError, match="TOML"):
        load_config(cfg)


def test_config_is_frozen() -> None:
    config = TramsConfig()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        config.jobs = 3  # type: ignore[misc]


def test_secret_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAMS_TEST_PIN", "1234")
    assert read_secret(env="TRAMS_TEST_PIN", file=None, what="PIN") == "1234"
    secret = tmp_path / "pin.txt"
    secret.write_text("5678\n")
    assert read_secret(env=None, file=secret, what="PIN") == "5678"
    monkeypatch.delenv("TRAMS_TEST_PIN")
    with pytest.raises(ConfigError) as info:
        read_secret(env="TRAMS_TEST_PIN", file=None, what="PIN")
    assert "1234" not in str(info.value)
