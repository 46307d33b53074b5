# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams keys list`: the certificates of a PKCS#12 file, PEM files or a PKCS#11 token.

Also the helpers `trams sign` shares: a key source from flags or trams.toml, and the
secret (PIN, passphrase) from the environment variable or file named in config, or a
hidden prompt; never from the command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from trams.config import KeySourceConfig, TramsConfig
from trams.errors import KeyAccessError
from trams.i18n import _

ROLES = ("leader", "agency", "officer")


def source_from_flags(config: TramsConfig, role: str, *, p12: Path | None = None,
                      token: str | None = None, module: Path | None = None,
                      secret_env: str | None = None) -> KeySourceConfig | None:
    """The key source of ``role``: flags override trams.toml ([signing.<role>])."""
    base: KeySourceConfig | None = getattr(config.signing, role, None)
    updates: dict = {}
    if secret_env:
        updates["secret_env"] = secret_env
        updates["secret_file"] = None
    if p12 is not None:
        return KeySourceConfig(kind="pkcs12", path=p12, chain=base.chain if base else [],
                               image=base.image if base else None,
                               image_width_mm=base.image_width_mm if base else None,
                               title=base.title if base else None,
                               secret_env=secret_env or (base.secret_env if base else None),
                               secret_file=None if secret_env else (
                                   base.secret_file if base else None))
    if token is not None:
        mod = module or (base.module if base else None)
        if mod is None:
            raise typer.BadParameter(_("--pkcs11-module is needed with a token"))
        fields = base.model_dump() if base and base.kind == "pkcs11" else {}
        fields.update(kind="pkcs11", module=mod, token_label=token, **updates)
        return KeySourceConfig(**fields)
    if base is not None and updates:
        return base.model_copy(update=updates)
    return base


def prompt_secret(what: str) -> str:
    """A hidden prompt on the terminal; refused when there is no terminal."""
    if not sys.stdin.isatty():
        raise KeyAccessError(
            _("no {what} given and no terminal to ask for it", what=what),
            hint=_("Name an environment variable (secret_env) or a file (secret_file) for it "
                   "in trams.toml, or --secret-env NAME."))
    return typer.prompt(_("Enter the {what}", what=what), hide_input=True,
                        err=True)


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
        as_json: bool = typer.Option(False, "--json", help=_("JSON on stdout.")),
    ) -> None:
        from trams.cli.commands.common import config_from
        from trams.signing.keys import list_keys, resolve_secret, secret_label

        config = config_from(ctx)
        if p12 is not None:
            source = KeySourceConfig(kind="pkcs12", path=p12, secret_env=secret_env)
        elif module is not None:
            source = KeySourceConfig(kind="pkcs11", module=module, token_label=token,
                                     slot=slot, secret_env=secret_env)
        elif role in ROLES:
            source = source_from_flags(config, role, secret_env=secret_env)
            if source is None:
                raise typer.BadParameter(_("no [signing.{role}] in trams.toml", role=role))
        else:
            raise typer.BadParameter(_("give --p12 FILE, --pkcs11-module MODULE, or "
                                       "--role ROLE"))
        secret = resolve_secret(source, what=secret_label(source, role or "selected"),
                                prompt=prompt_secret)
        infos = list_keys(source, secret=secret)
        if as_json:
            from trams.cli.render import print_json

            print_json({"keys": [i.to_dict() for i in infos]}, kind="keys")
            return
        from trams.cli.render import out_console

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
