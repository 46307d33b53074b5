"""`trams init`: a commented ``trams.toml`` and the folders it names.

The template is package data (``trams/templates/trams.toml``): every setting of
:class:`~trams.config.TramsConfig`, explained in English and Vietnamese. Settings that are
optional or examples (the key sources) are commented out as ``#key = value``: deleting the
``#`` enables them, and the file still validates (tests/setup checks both forms).

An existing ``trams.toml`` is never replaced unless asked (``force``); it is then kept as
``trams.toml.bak``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from trams.errors import ConfigError, ExitCode
from trams.fs import atomic_copy, atomic_write_bytes, storage_error
from trams.i18n import _

CONFIG_NAME = "trams.toml"
BACKUP_SUFFIX = ".bak"
FOLDERS = ("inbox", "archive", "certs")  # the paths the template names
_PLACEHOLDERS = {"agency_name": '"@AGENCY_NAME@"', "agency_code": '"@AGENCY_CODE@"'}


@dataclass(frozen=True)
class InitResult:
    config: Path
    created: tuple[Path, ...]  # folders made now (existing ones are left alone)
    backup: Path | None  # the previous trams.toml, with --force

    def to_dict(self) -> dict:
        return {"config": str(self.config), "created": [str(p) for p in self.created],
                "backup": str(self.backup) if self.backup else None}

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK


def template_text() -> str:
    """The template as shipped (placeholders for the agency's name and code)."""
    return resources.files("trams").joinpath("templates").joinpath(CONFIG_NAME).read_text(
        encoding="utf-8")


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes; \uXXXX for control chars).
    return json.dumps(value, ensure_ascii=False)


def render_config(*, agency_name: str = "", agency_code: str = "") -> str:
    text = template_text()
    values = {"agency_name": agency_name, "agency_code": agency_code}
    for key, placeholder in _PLACEHOLDERS.items():
        text = text.replace(placeholder, _toml_string(values[key]))
    return text


def init_folder(folder: Path, *, agency_name: str = "", agency_code: str = "",
                force: bool = False) -> InitResult:
    """Write ``folder/trams.toml`` and make ``inbox/``, ``archive/``, ``certs/`` in it."""
    folder = Path(folder)
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise ConfigError(
            _("a configuration file already exists here; it was left unchanged"), path=config,
            hint=_("Edit it, or run `trams init --force` to replace it (the old file is "
                   "kept as trams.toml.bak)."), code="config_exists")
    text = render_config(agency_name=agency_name, agency_code=agency_code)
    created = []
    for path in (folder, *(folder / name for name in FOLDERS)):
        if path.is_dir():
            continue
        try:
            path.mkdir(parents=True)
        except OSError as exc:
            raise storage_error(exc, path) from None
        created.append(path)
    backup = None
    if config.exists():
        backup = config.with_name(CONFIG_NAME + BACKUP_SUFFIX)
        atomic_copy(config, backup)
    try:
        atomic_write_bytes(config, text.encode("utf-8"), overwrite=force)
    except FileExistsError:  # created by someone else since the check above
        raise ConfigError(_("a configuration file already exists here; it was left unchanged"),
                          path=config, code="config_exists") from None
    try:
        os.chmod(config, 0o644)  # no secrets inside; clerks and cron jobs may read it
    except OSError as exc:
        raise storage_error(exc, config) from None
    return InitResult(config=config, created=tuple(created), backup=backup)
