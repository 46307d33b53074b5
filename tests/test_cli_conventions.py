"""One style across commands, as users of OCRmyPDF and pyHanko expect: --format with --json as
its shorthand wherever a command reports, -o/--output for files written, the archive given
with --archive, -j/--jobs meaning the same, -q/--quiet where progress is printed, option
names equal to the trams.toml keys they override; old option names still work."""

from __future__ import annotations

import json

import pytest
import typer.main
from trams.cli.main import rename_options, run
from trams.cli.root import build_app

from trams.config import TramsConfig
from trams.i18n import using_language


def _commands() -> dict[str, object]:
    with using_language("en"):
        root = typer.main.get_command(build_app())
    found = {}

    def walk(command, path: list[str]) -> None:  # noqa: ANN001
        for name, sub in getattr(command, "commands", {}).items():
            if getattr(sub, "commands", None):
                walk(sub, [*path, name])
            else:
                found[" ".join([*path, name])] = sub
    walk(root, [])
    return found


COMMANDS = _commands()


def _options(name: str) -> dict[str, object]:
    """Every option string of a command -> its parameter."""
    return {opt: p for p in COMMANDS[name].params for opt in (*p.opts, *p.secondary_opts)}


def test_every_command_that_reports_takes_format_and_json() -> None:
    reporting = [n for n in COMMANDS if "--json" in _options(n) or "--format" in _options(n)]
    assert len(reporting) >= 15
    for name in reporting:
        opts = _options(name)
        assert "--json" in opts and "--format" in opts, name
        assert opts["--json"].help.startswith("Same as --format json"), name


def test_files_written_are_given_with_dash_o_and_the_archive_with_dash_dash_archive() -> None:
    for name in COMMANDS:
        opts = _options(name)
        assert "--out" not in opts, name
        if "--output" in opts:
            assert "-o" in opts and opts["-o"] is opts["--output"], name
    archive_commands = [n for n in COMMANDS if n.startswith("archive ")]
    assert len(archive_commands) == 9
    for name in archive_commands:
        assert "--archive" in _options(name), name
        shown = [p for p in COMMANDS[name].params if not getattr(p, "hidden", False)
                 and p.param_type_name == "argument"]
        assert all(p.name != "folder" for p in shown), name  # only the hidden old form


def test_jobs_and_quiet_mean_the_same_everywhere() -> None:
    for name in ("ocr", "run", "verify"):
        jobs = _options(name)["--jobs"]
        assert "-j" in jobs.opts and jobs.help.startswith("Worker processes"), name
    for name in ("ocr", "run", "sign"):
        quiet = _options(name)["--quiet"]
        assert "-q" in quiet.opts and quiet.help.startswith("Print only problems"), name


# `trams ocr` options and the trams.toml keys they override
OCR_OPTIONS = {"--languages": ("ocr", "languages"), "--pdfa-level": ("pdfa", "level"),
               "--jpeg-quality": ("pdfa", "jpeg_quality"), "--lossless": ("pdfa", "lossless"),
               "--grouping": ("inbox", "grouping"), "--deskew": ("ocr", "deskew"),
               "--default-dpi": ("inbox", "default_dpi"),
               "--accept-low-dpi": ("inbox", "accept_low_dpi"),
               "--keep-original-pixels": ("ocr", "keep_original_pixels"),
               "--drop-blank-pages": ("inbox", "drop_blank_pages"),
               "--keep-ocr-layer": ("ocr", "keep_ocr_layer"), "--sidecar": ("pdfa", "sidecar"),
               "--jobs": (None, "jobs")}


@pytest.mark.parametrize(("option", "key"), OCR_OPTIONS.items())
def test_ocr_options_are_named_after_the_config_keys(option: str, key: tuple) -> None:
    section, name = key
    model = getattr(TramsConfig(), section) if section else TramsConfig()
    assert name in type(model).model_fields
    assert option == "--" + name.replace("_", "-") or option == "--pdfa-level"
    param = _options("ocr")[option]
    dotted = f"{section}.{name}" if section else name
    assert dotted in param.help or (name == "jobs" and "jobs in trams.toml" in param.help)
    assert "--move-done" in _options("run")  # [inbox] move_done


def test_old_option_names_still_work_with_a_note(tmp_path, capsys) -> None:
    argv, renamed = rename_options(["ocr", "in.tif", "-o", "out", "--image-quality", "80",
                                    "--dpi=300", "--sidecar", "--report", "--", "--dpi"])
    assert argv == ["ocr", "in.tif", "-o", "out", "--jpeg-quality", "80", "--default-dpi=300",
                    "--sidecar=", "--report", "--", "--dpi"]
    assert renamed == [("--image-quality", "--jpeg-quality"), ("--dpi", "--default-dpi")]
    assert rename_options(["ocr", "a.tif", "b.pdf", "--sidecar"])[0][-1] == "--sidecar="
    assert rename_options(["ocr", "a.tif", "b.pdf", "--sidecar", "-"])[0][-2:] == \
        ["--sidecar", "-"]
    # through the whole command line: a usage error that shows the new name was used
    code = run(["--lang", "en", "ocr", str(tmp_path / "missing.tif"), "-o", str(tmp_path),
                "--image-quality", "80"])
    err = capsys.readouterr().err
    assert code == 2 and "--image-quality is now called --jpeg-quality" in err
    assert "does not exist" in err


def test_json_is_format_json_and_both_must_agree(tmp_path, capsys) -> None:
    config = tmp_path / "trams.toml"
    config.write_text('[agency]\nname = "UBND xã Trà My"\ncode = "H42.01"\n'
                      f'[archive]\npath = "{tmp_path / "kho"}"\n', encoding="utf-8")
    from trams.archive import Archive

    with Archive.open(tmp_path / "kho", layout=TramsConfig().archive.layout,
                      agency_code="H42.01", organization="UBND xã Trà My"):
        pass  # an empty archive
    for args in (["--json"], ["--format", "json"]):
        assert run(["--config", str(config), "archive", "stats", *args]) == 0
        assert json.loads(capsys.readouterr().out)["kind"] == "archive-stats"
    assert run(["--config", str(config), "archive", "stats", "--json", "--format", "csv"]) == 2
    assert "--json" in capsys.readouterr().err
    # the archive the same way in check and stats
    for name in ("check", "stats"):
        run(["--config", str(config), "archive", name, "--archive", str(tmp_path / "kho"),
             "--json"])
        assert json.loads(capsys.readouterr().out)["kind"] == f"archive-{name}"
