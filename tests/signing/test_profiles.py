"""Each profile's appearance: rendered with pdftoppm (colour where the stamp should be)
and read back with pdftotext (Vietnamese intact, time = the signature's signing time)."""

from __future__ import annotations

import json
import subprocess
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from support.pki import write_config
from support.stamps import text_lines
from trams.cli.main import run

from trams.clock import iso_vn as format_time

DPI = 144  # two pixels per point: small text keeps fully dark pixels


def render(pdf: Path, folder: Path, page: int = 1) -> Image.Image:
    prefix = folder / f"page{page}"
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-png",
                    "-singlefile", str(pdf), str(prefix)], check=True, timeout=60)
    return Image.open(f"{prefix}.png").convert("RGB")


def text_of(pdf: Path, page: int = 1) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf),
                           "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def pixels(img: Image.Image, box_pt, page_height: float, kind: str) -> int:
    """How many pixels of ``kind`` (blue/red/dark) lie in the PDF box (points), on a page
    rendered at DPI (``page_height`` in pixels)."""
    s = DPI / 72
    x0, y0, x1, y1 = (v * s for v in box_pt)
    crop = img.crop((int(x0), int(page_height - y1), int(x1), int(page_height - y0)))
    a = np.asarray(crop).astype(int)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    mask = {"blue": (b > 120) & (r < 100) & (g < 110),
            "red": (r > 150) & (g < 90) & (b < 90),
            "dark": (r < 90) & (g < 90) & (b < 90)}[kind]
    return int(mask.sum())


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def widgets(pdf: Path) -> dict[str, tuple]:
    reader = PdfFileReader(BytesIO(pdf.read_bytes()))
    return {s.field_name: (tuple(float(v) for v in s.sig_field["/Rect"]),
                           s.self_reported_timestamp)
            for s in reader.embedded_regular_signatures}


def sign(tmp_path, config, src, *extra) -> Path:
    out = tmp_path / "out"
    code = run(["--lang", "vi", "--config", str(config), "sign", str(src), "-o", str(out),
                "--json", *extra])
    assert code == 0
    return out / src.name


@pytest.fixture
def config(pki, tmp_path, secrets_env):
    return write_config(tmp_path, pki)


def test_issued_leader_image_found_from_text_and_seal_over_left_third(config, input_pdf,
                                                                      tmp_path, capsys):
    out = sign(tmp_path, config, input_pdf, "--level", "B-T")
    summary = json.loads(capsys.readouterr().out)
    assert summary["kind"] == "sign" and len(summary["signed"]) == 1
    boxes = widgets(out)
    leader, _ = boxes["Leader"]
    seal, _ = boxes["Agency"]
    # between the title line (y ~ 244 pt) and the name line (y ~ 140 pt) of the input
    assert 140 < leader[1] < leader[3] < 262
    # the seal's right edge is one third into the leader's image, its size 36 mm
    third = leader[0] + (leader[2] - leader[0]) / 3
    assert seal[2] == pytest.approx(third, abs=0.5)
    assert seal[2] - seal[0] == pytest.approx(36 * 72 / 25.4, abs=0.5)
    img = render(out, tmp_path, 1)
    h = img.height
    assert pixels(img, (third + 5, leader[1], leader[2], leader[3]), h, "blue") > 240
    assert pixels(img, seal, h, "red") > 3200
    text = text_of(out)
    assert "Nguyễn Văn Hùng" in text and "CHỦ TỊCH" in text


@pytest.mark.parametrize(("copy_type"), ["SAO Y", "TRÍCH SAO"])
def test_copy_profile_text_top_right(config, input_pdf, tmp_path, capsys, copy_type):
    out = sign(tmp_path, config, input_pdf, "--profile", "copy", "--copy-type", copy_type,
               "--level", "B-B")
    (box, when), = widgets(out).values()
    assert box[0] > 595 / 2 and box[3] > 800  # top right of page 1
    text = text_of(out)
    assert copy_type in text and "UBND xã Trà My" in text
    assert format_time(when) in text and format_time(when).endswith("+07:00")
    img = render(out, tmp_path, 1)
    assert pixels(img, box, img.height, "dark") > 400
    assert pixels(img, box, img.height, "red") == 0  # black text, no image


def test_attachment_profile_number_and_time(config, input_pdf, tmp_path, capsys):
    out = sign(tmp_path, config, input_pdf, "--profile", "attachment", "--doc-number",
               "Số: 12/QĐ-UBND", "--level", "B-B")
    (box, when), = widgets(out).values()
    assert box[0] > 595 / 2 and box[3] > 800
    text = text_of(out)
    assert "Số: 12/QĐ-UBND" in text and format_time(when) in text
    img = render(out, tmp_path, 1)
    assert pixels(img, box, img.height, "dark") > 400


def test_dossier_profile_officer_top_left_then_agency(config, pki, input_pdf, tmp_path,
                                                       capsys):
    out = sign(tmp_path, config, input_pdf, "--profile", "dossier", "--level", "B-B",
               "--officer-p12", str(pki.p12("officer")),
               "--officer-secret-env", "TRAMS_TEST_P12")
    boxes = widgets(out)
    officer, officer_time = boxes["Officer"]
    agency, agency_time = boxes["Agency"]
    # top left, moved down below the organ's name printed in the corner (it covers no text)
    assert officer[2] < 595 / 2 and 700 < officer[3] < 841.89 - 14.17
    assert agency[0] > 595 / 2 and agency[3] > 800  # top right
    for line in text_lines(input_pdf, 1):
        x0, top, x1, bottom = line.box
        text_box = (x0, 841.89 - bottom, x1, 841.89 - top)
        assert not overlaps(officer, text_box) and not overlaps(agency, text_box), line
    text = text_of(out)
    assert "Lê Thị Ngọc Ánh" in text and "UBND xã Trà My" in text
    assert format_time(officer_time) in text and format_time(agency_time) in text
    img = render(out, tmp_path, 1)
    assert pixels(img, officer, img.height, "dark") > 400
