"""Entry point: pick the language before the commands (and their help texts) are built,
run the command, and turn :class:`~trams.errors.TramsError` into a one-line message and
its exit code. This is the only place exit codes are decided for errors.
"""

from __future__ import annotations

import logging
import sys
import traceback

from trams.errors import ExitCode, TramsError
from trams.i18n import _, set_language


def _peek_option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(sys.argv[1:] if argv is None else argv))


def run(argv: list[str]) -> int:
    """Run the CLI on ``argv`` and return the exit code (used by main and by tests)."""
    import click

    set_language(_peek_option(argv, "--lang"))
    verbose = "--verbose" in argv or "-v" in argv

    from trams.cli.app import build_app
    from trams.cli.render import error_console

    import typer.main

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
    except click.exceptions.Abort:
        console.print(_("Interrupted. Run the same command again to continue."), markup=False)
        return int(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        console.print(_("Interrupted. Run the same command again to continue."), markup=False)
        return int(ExitCode.INTERRUPTED)
    except click.exceptions.ClickException as exc:
        exc.show(file=sys.stderr)
        return int(ExitCode.USAGE)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
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
