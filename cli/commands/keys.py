# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams keys list`: parse -> :func:`trams.app.keys.list_keys` -> render the certificates
of a PKCS#12 file, PEM files or a PKCS#11 token."""

from __future__ import annotations

from pathlib import Path

import typer
from trams.cli.commands.common import (
    FORMAT_HELP,
    JSON_HELP,
    choice,
    config_from,
    output_format,
    terminal_prompt,
)
from trams.cli.render import out_console, print_json

from trams.i18n import _
from trams.rules import ROLES

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.


def register(app: typer.Typer) -> None:
    keys_app = typer.Typer(help=_("Inspect key sources: PKCS#12 files and PKCS#11 tokens."),
                           no_args_is_help=True)
    app.add_typer(keys_app, name="keys")

    @keys_app.command("list", help=_(
        "List the certificates of a PKCS#12 file or a token: subject, issuer, serial, "
        "validity and key usage, to choose the right key."))
    def list_cmd(
        ctx: typer.Context,
        p12: Path | None = typer.Option(None, "--p12", help=_("PKCS#12 (.p12/.pfx) file.")),
        module: Path | None = typer.Option(None, "--pkcs11-module",
                                           help=_("PKCS#11 module (.so) of the token.")),
        token: str | None = typer.Option(None, "--token", help=_("Token label.")),
        slot: int | None = typer.Option(None, "--slot", help=_("Token slot number.")),
        role: str | None = typer.Option(None, "--role", metavar="leader|agency|officer",
                                        help=_("Use the key source of this role in "
                                               "trams.toml.")),
        secret_env: str | None = typer.Option(
            None, "--secret-env", metavar="NAME",
            help=_("Environment variable holding the PIN or passphrase.")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> None:
        as_json = output_format(fmt, as_json, ("text", "json")) == "json"
        from trams.app.keys import KeysOptions, list_keys

        choice(role, ROLES, "--role")
        report = list_keys(config_from(ctx), KeysOptions(
            p12=p12, pkcs11_module=module, token=token, slot=slot, role=role,
            secret_env=secret_env), prompter=terminal_prompt)
        infos = report.keys
        if as_json:
            print_json(report.to_dict(), kind="keys")
            return

        out = out_console()
        for info in infos:
            usage = ", ".join(info.key_usage) or "-"
            out.print(info.subject, style="bold", markup=False, highlight=False)
            rows = [
                (_("issuer"), info.issuer),
                (_("serial"), info.serial),
                (_("valid"), f"{info.not_before:%Y-%m-%d} .. {info.not_after:%Y-%m-%d}"),
                (_("key usage"), usage),
                (_("private key"), _("yes") if info.has_private_key else _("no")),
            ]
            if info.label:
                rows.append((_("label"), info.label))
            if info.key_id:
                rows.append((_("id"), info.key_id))
            for name, value in rows:
                out.print(f"  {name}: {value}", markup=False, highlight=False)
        if not infos:
            out.print(_("No certificate found."), markup=False)
