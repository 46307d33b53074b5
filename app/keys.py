"""`trams keys list`: the certificates of a PKCS#12 file, PEM files or a PKCS#11 token."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trams.app.secrets import SecretPrompter, refuse_prompt
from trams.app.sign import KeyFlags, key_source
from trams.signing.keys import KeyInfo, resolve_secret, secret_label
from trams.signing.keys import list_keys as _list_keys

from trams.config import KeySourceConfig, TramsConfig
from trams.errors import ConfigError, ExitCode
from trams.i18n import _
from trams.rules import ROLES


@dataclass(frozen=True)
class KeysOptions:
    """Which key source to list: a file, a token, or a role of trams.toml."""

    p12: Path | None = None
    pkcs11_module: Path | None = None
    token: str | None = None
    slot: int | None = None
    role: str | None = None
    secret_env: str | None = None


@dataclass(frozen=True)
class KeysReport:
    keys: tuple[KeyInfo, ...]
    exit_code: ExitCode = ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"keys": [k.to_dict() for k in self.keys]}


def _source(config: TramsConfig, options: KeysOptions) -> KeySourceConfig:
    if options.p12 is not None:
        return KeySourceConfig(kind="pkcs12", path=options.p12, secret_env=options.secret_env)
    if options.pkcs11_module is not None:
        return KeySourceConfig(kind="pkcs11", module=options.pkcs11_module,
                               token_label=options.token, slot=options.slot,
                               secret_env=options.secret_env)
    if options.role in ROLES:
        source = key_source(config, options.role, KeyFlags(secret_env=options.secret_env))
        if source is None:
            raise ConfigError(_("no [signing.{role}] in trams.toml", role=options.role),
                              hint=_("Add it, or give --p12 FILE or --pkcs11-module MODULE."),
                              code="key_source_missing")
        return source
    raise ConfigError(_("no key source given"),
                      hint=_("Give --p12 FILE, --pkcs11-module MODULE, or --role ROLE."),
                      code="key_source_missing")


def list_keys(config: TramsConfig, options: KeysOptions, *,
              prompter: SecretPrompter = refuse_prompt) -> KeysReport:
    """Subject, issuer, serial, validity and key usage of each certificate, to choose a key."""
    source = _source(config, options)
    secret = resolve_secret(source, what=secret_label(source, options.role),
                            prompt=prompter)
    return KeysReport(tuple(_list_keys(source, secret=secret)))
