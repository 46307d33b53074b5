"""Helpers shared by commands: the loaded configuration from the global options, and the
terminal prompter for secrets."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from trams.i18n import N_, _

if TYPE_CHECKING:
    from trams.config import TramsConfig

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.


def config_from(ctx: typer.Context) -> TramsConfig:
    from trams.config import load_config

    obj = ctx.find_root().obj or {}
    return load_config(obj.get("config_path"))


def terminal_prompt(what: str) -> str:
    """A hidden prompt on the terminal; refused when there is no terminal (cron)."""
    from trams.app.secrets import refuse_prompt

    if not sys.stdin.isatty():
        return refuse_prompt(what)
    return typer.prompt(_("Enter the {what}", what=what), hide_input=True, err=True)


def choice(value: str | None, allowed, option: str) -> str | None:  # noqa: ANN001
    """``value`` when it is one of ``allowed`` (or None); else a usage error (exit 2)."""
    if value is not None and value not in allowed:
        raise typer.BadParameter(_("use one of: {values}", values=", ".join(allowed)),
                                 param_hint=option)
    return value


# Every command that reports does so as --format FORMAT; --json is short for --format json.
FORMAT_HELP = N_("Output format (default: text).")
JSON_HELP = N_("Same as --format json.")


def output_format(fmt: str | None, as_json: bool, allowed: Sequence[str], *,
                  default: str = "text") -> str:
    """The format asked for by ``--format`` and ``--json`` (both: they must agree)."""
    if as_json and fmt not in (None, "json"):
        raise typer.BadParameter(_("--json is --format json; give only one of them"),
                                 param_hint="--json")
    value = "json" if as_json else (fmt or default)
    choice(value, allowed, "--format")
    return value


def archive_from(option: Path | None, positional: Path | None) -> Path | None:
    """The archive given with --archive (or, as before, as a bare argument)."""
    if option is not None and positional is not None and option != positional:
        raise typer.BadParameter(_("give the archive once, with --archive"),
                                 param_hint="--archive")
    return option or positional


def archive_option_help() -> str:
    return _("Archive folder (default: [archive] path of trams.toml).")
