"""The typer application: global options, and the commands each module registers."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Optional

import typer

from trams import __version__
from trams.i18n import _

# Each module under trams.cli.commands exposes register(app).
COMMAND_MODULES = (
    "demo",
    "ocr",
    "coversheet",
    "keys",
    "sign",
    "verify",
    "archive",
    "run",
    "init",
    "doctor",
    "cluster",
)


# Libraries that narrate their internals below WARNING: Pillow (some 40 lines per TIFF page
# it opens: every tag), fontTools (every table of the subset fonts), pikepdf (a line when it
# loads, printed before a JSON-mode run takes over stderr), tzlocal, asyncio. --verbose is
# for TRAMS's details and pyHanko's (revocation fetches); these stay at warnings.
# library -> the lowest level of its records a user sees: their narration never; fontTools'
# warnings (a font's table checksum, its 'modified' date) are about font internals nobody
# at the desk can act on.
QUIET_LOGGERS = {"PIL": logging.WARNING, "fontTools": logging.ERROR,
                 "pikepdf": logging.WARNING, "tzlocal": logging.WARNING,
                 "asyncio": logging.WARNING}


def configure_logging(verbose: bool) -> None:
    """Log records on stderr in text (a JSON-mode run sets this handler aside): warnings,
    and with ``verbose`` everything but the narration of :data:`QUIET_LOGGERS`."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trams {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="trams",
        help=_(
            "TRAMS: turn paper records into signed, searchable PDF/A files, archive them, "
            "and verify them."
        ),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,  # passphrases and PINs live in locals
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _global(
        ctx: typer.Context,
        lang: Optional[str] = typer.Option(  # noqa: UP007 - typer needs Optional here
            None, "--lang", help=_("Language of messages and reports: vi or en."),
            metavar="vi|en",
        ),
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help=_("Show details and tracebacks of errors.")
        ),
        config: Optional[Path] = typer.Option(  # noqa: UP007
            None, "--config", help=_("Configuration file (default: TRAMS_CONFIG or ./trams.toml)."),
            envvar="TRAMS_CONFIG",
        ),
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help=_("Show the version.")
        ),
    ) -> None:
        # --lang was applied before the app was built (cli.main); keep the rest for commands.
        configure_logging(verbose)
        ctx.obj = {"config_path": config, "verbose": verbose, "lang": lang}

    for name in COMMAND_MODULES:
        module = importlib.import_module(f"trams.cli.commands.{name}")
        module.register(app)
    return app
