"""`trams ocr` flags that the scanning messages point users to: --dpi, --accept-low-dpi."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from trams.cli.main import run

from trams.errors import ExitCode


def _page(path: Path, dpi: int | None) -> Path:
    img = Image.new("L", (dpi_px := 1240, 600), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    ImageDraw.Draw(img).text((60, 200), "Ủy ban nhân dân xã Trà My", font=font, fill=0)
    assert dpi_px
    img.save(path, dpi=(dpi, dpi)) if dpi else img.save(path)
    return path


def test_low_dpi_refused_then_accepted(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    scan = _page(tmp_path / "low.png", 150)
    code = run(["--lang", "en", "ocr", str(scan), "-o", str(tmp_path / "out1")])
    assert code != ExitCode.OK
    assert "--accept-low-dpi" in capsys.readouterr().err
    assert not list((tmp_path / "out1").glob("*.pdf"))
    code = run(["--lang", "en", "ocr", str(scan), "-o", str(tmp_path / "out2"),
                "--accept-low-dpi"])
    assert code == ExitCode.OK
    assert len(list((tmp_path / "out2").glob("*.pdf"))) == 1


def test_dpi_flag_for_files_without_resolution(tmp_path: Path) -> None:
    scan = _page(tmp_path / "nodpi.png", None)
    code = run(["--lang", "en", "ocr", str(scan), "-o", str(tmp_path / "out"),
                "--default-dpi", "300"])
    assert code == ExitCode.OK
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 1
