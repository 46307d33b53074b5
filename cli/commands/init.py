# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams init [DIR]`: a commented trams.toml (Vietnamese and English) and the folders
inbox/, archive/, certs/. Exit codes: 0 written; 3 (CONFIG) a trams.toml is already there
(use --force; the old file is kept as trams.toml.bak); 15 (STORAGE) cannot write.
"""

from __future__ import annotations

from pathlib import Path

import typer
from trams.cli.commands.common import FORMAT_HELP, JSON_HELP, output_format
from trams.cli.render import out_console, print_json

from trams.i18n import _

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.


def register(app: typer.Typer) -> None:
    @app.command("init", help=_(
        "Create a commented trams.toml (comments in Vietnamese and English) and the folders "
        "inbox/, archive/ and certs/ in DIR (default: the current folder). An existing "
        "trams.toml is never replaced without --force (exit code 3)."))
    def init(
        folder: Path = typer.Argument(Path("."), metavar="DIR",
                                      help=_("Folder to set up (default: the current one).")),
        agency_name: str = typer.Option("", "--agency-name",
                                        help=_("Name of the agency, e.g. \"UBND xã Trà My\".")),
        agency_code: str = typer.Option("", "--agency-code",
                                        help=_("Code of the agency, e.g. H42.01.")),
        force: bool = typer.Option(False, "--force", help=_(
            "Replace an existing trams.toml (kept as trams.toml.bak).")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> None:
        as_json = output_format(fmt, as_json, ("text", "json")) == "json"
        from trams.app.init import init as init_site

        result = init_site(folder, agency_name=agency_name, agency_code=agency_code,
                           force=force)
        if as_json:
            print_json(result.to_dict(), kind="init")
            return

        out = out_console()
        out.print(_("written: {path}", path=result.config), markup=False)
        if result.backup is not None:
            out.print(_("previous file kept as {path}", path=result.backup), markup=False)
        for path in result.created:
            out.print(_("folder created: {path}", path=path), markup=False)
        out.print(_("Next: edit {path} (agency, key sources, TSA), put the root CA "
                    "certificates in certs/, then run `trams doctor` in that folder.",
                    path=result.config), markup=False)
