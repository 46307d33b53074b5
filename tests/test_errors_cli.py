"""One boundary turns typed errors into one-line messages and distinct exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from trams.cli.main import run

from trams.errors import ExitCode, TramsError


def test_exit_codes_are_distinct() -> None:
    values = [code.value for code in ExitCode]
    assert len(values) == len(set(values))


def test_every_error_class_has_an_exit_code() -> None:
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for cls in subclasses(TramsError):
        assert isinstance(cls.exit_code, ExitCode), cls


def test_one_line_message_names_file_and_fix() -> None:
    err = TramsError("cannot read\nthe file", path=Path("/in/a.tif"), hint="Rescan it.")
    assert err.one_line() == "/in/a.tif: cannot read the file. Rescan it."


def test_config_error_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "trams.toml"
    bad.write_text("[ocr]\nnot_a_key = 1\n")
    code = run(["--lang", "en", "--config", str(bad), "verify", str(tmp_path)])
    assert code == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert "ocr.not_a_key" in err and "line 2" in err
    assert "Traceback" not in err


def test_vietnamese_error_message(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "trams.toml"
    bad.write_text("[ocr]\nnot_a_key = 1\n")
    code = run(["--lang", "vi", "--config", str(bad), "verify", str(tmp_path)])
    assert code == ExitCode.CONFIG
    assert "không hợp lệ" in capsys.readouterr().err


def test_usage_error_exit_code(capsys: pytest.CaptureFixture) -> None:
    assert run(["--lang", "en", "no-such-command"]) == ExitCode.USAGE


def test_output_piped_into_head_ends_quietly(tmp_path) -> None:
    """`trams ... | head`: the reader goes away; no traceback, no 'Broken pipe' message."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "trams", "--lang", "en", "--help"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)
    assert "Broken pipe" not in err and "Traceback" not in err and "Internal error" not in err


# Stands for a run stopped by SIGTERM while an import was making a dataclass: the
# KeyboardInterrupt rises inside code run by exec() of a string, and the run catches it.
STOPPED_IN_EXEC = '''
import trams.cli.main
from trams.cli.entry import main
from trams.errors import ExitCode


def stopped_run(argv):
    try:
        exec("raise KeyboardInterrupt")
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)


trams.cli.main.run = stopped_run
main()
'''


def test_a_caught_interrupt_exits_130_under_python_m(tmp_path: Path) -> None:
    """`python -m trams` stopped by SIGTERM ends with 130, the code a rerun is keyed on,
    not by SIGINT, which CPython would otherwise choose after an interrupt raised in
    exec'd code (tests/run/test_run_cron_and_kill.py met it one time in four)."""
    package = tmp_path / "stopped"
    package.mkdir()
    (package / "__main__.py").write_text(STOPPED_IN_EXEC)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-m", "stopped"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == ExitCode.INTERRUPTED, done.stderr
