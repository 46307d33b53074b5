"""Every `--help` in both languages: no Python type names, no untranslated framework
boilerplate in Vietnamese; global options after the subcommand; usage errors translated."""

from __future__ import annotations

import re

import pytest
import typer.main
from trams.cli.main import run
from trams.cli.root import build_app

from trams.i18n import using_language

PYTHON_TYPES = re.compile(r"<[^>\s]+>|list\[|\{\w+\}|<int|<float|<str|<path|<text|x[<>]=")
ENGLISH_BOILERPLATE = ("Usage:", "[OPTIONS]", "COMMAND [ARGS]", "[required]", "default:",
                       "env var:", "Arguments:", "Options:", "Commands:", "Show this message",
                       "at least", "at most")
ENGLISH_RANGE = re.compile(r"\d to -?\d")


def _command_paths() -> list[list[str]]:
    with using_language("en"):
        root = typer.main.get_command(build_app())
    paths: list[list[str]] = [[]]

    def walk(command, path: list[str]) -> None:  # noqa: ANN001
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*path, name])
            walk(sub, [*path, name])

    walk(root, [])
    return paths


PATHS = _command_paths()


def test_the_walk_found_every_command() -> None:
    names = {" ".join(p) for p in PATHS}
    assert {"run", "ocr", "sign", "verify", "archive check", "archive search", "keys list",
            "demo", "doctor", "init", "coversheet"} <= names


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "trams" for p in PATHS])
def test_help_has_no_python_types_and_speaks_the_language(path, lang, capsys) -> None:
    assert run(["--lang", lang, *path, "--help"]) == 0
    text = capsys.readouterr().out
    assert not PYTHON_TYPES.search(text), PYTHON_TYPES.search(text).group(0)
    if not path:
        assert " run " in text and " archive " in text  # command names as they are typed
    if lang == "vi":
        left = [word for word in ENGLISH_BOILERPLATE if word in text]
        assert not left and not ENGLISH_RANGE.search(text), left
        assert "Cách dùng:" in text


def test_global_options_work_after_the_subcommand(capsys) -> None:
    assert run(["init", "--help", "--lang", "vi"]) == 0
    assert "Cách dùng: trams init" in capsys.readouterr().out


def test_an_unknown_language_is_refused(capsys) -> None:
    assert run(["--lang", "fr", "doctor"]) == 2
    assert "fr" in capsys.readouterr().err


def test_usage_errors_are_translated(capsys) -> None:
    assert run(["--lang", "vi", "run", "--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert "Không có tùy chọn" in err and "--no-such-flag" in err
    assert "No such option" not in err
