"""Secrets of the key sources: from trams.toml's variable or file, else the prompter.

The prompter is injected by the caller (pyHanko's ``PasswordPrompter`` idea): the CLI asks
on a terminal, a scheduler or a test passes its own, and the default refuses, so nothing
ever waits for an answer no one will give.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from trams.signing.keys import profile_sources, resolve_secret, secret_label

from trams.config import KeySourceConfig, TramsConfig
from trams.errors import KeyAccessError
from trams.i18n import _


class SecretPrompter(Protocol):
    """Asks for a secret; ``what`` says which ("PIN of the agency key")."""

    def __call__(self, what: str) -> str: ...


def refuse_prompt(what: str) -> str:
    """The default prompter: no one to ask."""
    raise KeyAccessError(
        _("no {what} given and no terminal to ask for it", what=what),
        hint=_("Name an environment variable (secret_env) or a file (secret_file) for it "
               "in the key source's section of trams.toml."), code="secret_missing")


def role_secrets(sources: Mapping[str, KeySourceConfig],
                 prompter: SecretPrompter = refuse_prompt) -> dict[str, str | None]:
    """The PIN or passphrase of each role's key source."""
    return {role: resolve_secret(source, what=secret_label(source, role), prompt=prompter)
            for role, source in sources.items()}


def profile_secrets(config: TramsConfig,
                    prompter: SecretPrompter = refuse_prompt) -> dict[str, str | None]:
    """The secrets of every key the configured profile signs with."""
    return role_secrets(profile_sources(config), prompter)
