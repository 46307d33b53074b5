"""Entry point: pick the language before the commands (and their help texts) are built,
run the command, and turn :class:`~trams.errors.TramsError` into a one-line message and
its exit code. This is the only place exit codes are decided for errors.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback

import typer
import typer.main
from trams.cli.framework import install_help_formatter, translate_error
from trams.cli.render import error_console
from trams.cli.root import build_app
from typer._click import exceptions as click_exceptions
from typer._click.utils import PacifyFlushWrapper

from trams.errors import ExitCode, TramsError
from trams.i18n import _, get_language, using_language

# Global options that may also come after the subcommand (`trams run --lang vi`), as users of
# OCRmyPDF and pyHanko type them: they are moved in front of it before parsing.
GLOBAL_VALUE_OPTIONS = ("--lang", "--config")
GLOBAL_FLAGS = ("--verbose", "-v")
LANGUAGES = ("vi", "en")


def hoist_global_options(argv: list[str]) -> list[str]:
    """``trams run --lang vi X`` -> ``trams --lang vi run X`` (nothing after ``--`` moves)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        if arg in GLOBAL_FLAGS:
            front.append(arg)
        elif arg in GLOBAL_VALUE_OPTIONS and i + 1 < len(argv):
            front += [arg, argv[i + 1]]
            i += 1
        elif arg.startswith(tuple(f"{o}=" for o in GLOBAL_VALUE_OPTIONS)):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


# Options renamed so that every option has the name of the trams.toml key it overrides and
# every command writes files with -o/--output: the old names still work, with a note.
RENAMED_OPTIONS = {"--ocr-lang": "--languages", "--pdfa": "--pdfa-level",
                   "--image-quality": "--jpeg-quality", "--dpi": "--default-dpi",
                   "--keep-original": "--keep-original-pixels",
                   "--drop-blank": "--drop-blank-pages", "--out": "--output"}
# Options whose value may be left out (as OCRmyPDF's --sidecar): alone (last, or followed by
# another option), they take this value. ``--sidecar`` alone: NAME.txt beside each PDF.
OPTIONAL_VALUES = {"--sidecar": ""}


def rename_options(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Old option names -> new ones, and an optional value made explicit; the renames done
    (for a note to the user). Nothing after ``--`` changes."""
    out: list[str] = []
    renamed: list[tuple[str, str]] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            out += argv[i:]
            break
        name, eq, value = arg.partition("=")
        if name in RENAMED_OPTIONS:
            renamed.append((name, RENAMED_OPTIONS[name]))
            name = RENAMED_OPTIONS[name]
            arg = name + eq + value
        if arg in OPTIONAL_VALUES:
            following = argv[i + 1] if i + 1 < len(argv) else None
            if following is None or (following.startswith("-") and following != "-"):
                arg = f"{arg}={OPTIONAL_VALUES[arg]}"
        out.append(arg)
    return out, renamed


def _peek_option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--":
            return None
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


EXIT_BROKEN_PIPE = 141  # as a shell reports a program stopped by SIGPIPE (`... | head`)


def main(argv: list[str] | None = None) -> None:
    code = run(sys.argv[1:] if argv is None else argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _quiet_broken_pipe()
    _forget_caught_interrupt()
    sys.exit(code)


def _forget_caught_interrupt() -> None:
    """Let the exit code stand after a Ctrl-C or SIGTERM the run caught and reported.

    CPython remembers a KeyboardInterrupt that escaped code run by ``exec`` of a string
    (dataclasses and named tuples are made that way, so an import under way is enough) even
    when an outer ``except`` caught it; under ``python -m trams`` it then ends the process
    by SIGINT (status -2) instead of exiting with 130, and a script cannot tell a stopped
    run it may rerun from a killed one. Each ``exec`` of a string starts by forgetting."""
    exec("")  # noqa: S102 - an empty string: nothing is run


def _quiet_broken_pipe() -> int:
    """The reader of stdout went away (`trams ... | head`): stop quietly, like other tools;
    stdout is pointed at /dev/null so that Python's exit flush does not complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def run(argv: list[str]) -> int:
    """Run the CLI on ``argv`` and return the exit code (used by main and by tests).

    The language chosen for this run is undone afterwards, so runs in one process
    (tests) do not leak their language into each other.
    """
    argv, renamed = rename_options(hoist_global_options(argv))
    wanted = _peek_option(argv, "--lang")
    with using_language(wanted if wanted in LANGUAGES else None) as lang:
        install_help_formatter(lang)
        if wanted is not None and wanted not in LANGUAGES:
            error_console().print(
                _("Error: {message}", message=_("unknown language '{value}': use vi or en",
                                                value=wanted)), markup=False, style="bold red")
            return int(ExitCode.USAGE)
        for old, new in renamed:
            error_console().print(_("Note: {old} is now called {new}.", old=old, new=new),
                                  markup=False, style="yellow")
        return _run(argv)


def _run(argv: list[str]) -> int:
    verbose = "--verbose" in argv or "-v" in argv

    command = typer.main.get_command(build_app())
    console = error_console()
    try:
        result = command.main(args=argv, prog_name="trams", standalone_mode=False)
        return int(result or 0)
    except TramsError as exc:
        if verbose:
            console.print(traceback.format_exc(), markup=False, highlight=False)
        console.print(_("Error: {message}", message=f"{exc.one_line()} [{exc.code}]"),
                      markup=False, highlight=False, style="bold red", soft_wrap=True)
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        console.print(_("Interrupted. Run the same command again to continue."), markup=False)
        return int(ExitCode.INTERRUPTED)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except click_exceptions.ClickException as exc:
        console.print(_("Error: {message}", message=translate_error(exc.format_message(),
                                                                    get_language())),
                      markup=False, style="bold red")
        if isinstance(exc, click_exceptions.UsageError):
            console.print(_("Run 'trams --help' for help."), markup=False)
            return int(ExitCode.USAGE)
        return int(ExitCode.INPUT)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except SystemExit:
        # typer's own answer to a broken pipe: exit 1, with stdout wrapped to stay quiet
        if isinstance(sys.stdout, PacifyFlushWrapper):
            sys.stdout = sys.stdout.wrapped
            return _quiet_broken_pipe()
        raise
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
