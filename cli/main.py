"""Entry point: pick the language before the commands (and their help texts) are built,
run the command, and turn :class:`~trams.errors.TramsError` into a one-line message and
its exit code. This is the only place exit codes are decided for errors.
"""

from __future__ import annotations

import logging
import sys
import traceback

from trams.errors import ExitCode, TramsError
from trams.i18n import _, using_language


def _peek_option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _translate_framework(lang: str) -> None:
    """Give the CLI framework's own strings (Usage:, Options, ...) the chosen language.

    typer vendors click without gettext; its help formatter is replaced by one that looks
    the framework's strings up in our catalogue (trams/locale/vi/click.po).
    """
    from typer._click import core, formatting

    if lang == "en":
        core.Context.formatter_class = formatting.HelpFormatter
        return

    from trams.i18n import catalogue

    table = catalogue(lang)

    def tr(text: str) -> str:
        return table.get(text, text)

    class TranslatedFormatter(formatting.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, prefix if prefix is not None else tr("Usage:") + " ")

        def write_heading(self, heading: str) -> None:
            super().write_heading(tr(heading))

        def write_dl(self, rows, *args, **kwargs) -> None:  # noqa: ANN001
            super().write_dl([(term, tr(text)) for term, text in rows], *args, **kwargs)

    core.Context.formatter_class = TranslatedFormatter


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(sys.argv[1:] if argv is None else argv))


def run(argv: list[str]) -> int:
    """Run the CLI on ``argv`` and return the exit code (used by main and by tests).

    The language chosen for this run is undone afterwards, so runs in one process
    (tests) do not leak their language into each other.
    """
    with using_language(_peek_option(argv, "--lang")) as lang:
        _translate_framework(lang)
        return _run(argv)


def _run(argv: list[str]) -> int:
    import typer
    from typer._click import exceptions as click_exceptions

    verbose = "--verbose" in argv or "-v" in argv

    import typer.main
    from trams.cli.render import error_console
    from trams.cli.root import build_app

    command = typer.main.get_command(build_app())
    console = error_console()
    try:
        result = command.main(args=argv, prog_name="trams", standalone_mode=False)
        return int(result or 0)
    except TramsError as exc:
        if verbose:
            console.print(traceback.format_exc(), markup=False, highlight=False)
        console.print(_("Error: {message}", message=exc.one_line()), markup=False,
                      highlight=False, style="bold red", soft_wrap=True)
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.print(_("Interrupted. Run the same command again to continue."), markup=False)
        return int(ExitCode.INTERRUPTED)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except click_exceptions.ClickException as exc:
        console.print(_("Error: {message}", message=exc.format_message()), markup=False,
                      style="bold red")
        if isinstance(exc, click_exceptions.UsageError):
            console.print(_("Run 'trams --help' for help."), markup=False)
            return int(ExitCode.USAGE)
        return int(ExitCode.INPUT)
    except Exception as exc:  # noqa: BLE001 - the one boundary that catches everything
        logging.getLogger("trams").debug("internal error", exc_info=True)
        if verbose:
            console.print(traceback.format_exc(), markup=False, highlight=False)
        console.print(
            _("Internal error ({kind}). Please report it with the output of --verbose.",
              kind=type(exc).__name__),
            markup=False, style="bold red",
        )
        return int(ExitCode.INTERNAL)
