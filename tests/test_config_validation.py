"""The whole of trams.toml is checked when it is loaded, before any work (issue 13, item 4):
names that become paths, templates, the archive layout, the signature box, the signature
images (opened under a size limit) and empty secrets. Each is a ConfigError (exit 3)
naming the setting, never a document failure or a crash later."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.hostile import png_bomb, png_bytes

from trams.config import load_config, read_secret
from trams.errors import ConfigError, ExitCode


def _load(tmp_path: Path, text: str):
    cfg = tmp_path / "trams.toml"
    cfg.write_text(text, encoding="utf-8")
    return load_config(cfg)


def _refused(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert info.value.exit_code == ExitCode.CONFIG
    return info.value


@pytest.mark.parametrize("code", ["../../x", "/etc", "..", "a/b", "H42%2e", " H42", "CON",
                                  "H42\n01"])
def test_agency_code_must_be_one_safe_folder_name(tmp_path: Path, code: str) -> None:
    escaped = code.replace("\n", "\\n")
    error = _refused(tmp_path, f'[agency]\nname = "UBND"\ncode = "{escaped}"\n')
    assert "agency.code" in error.message and "line 3" in error.message, error.message


def test_a_good_agency_code_and_the_defaults_load(tmp_path: Path) -> None:
    assert _load(tmp_path, '[agency]\ncode = "000.00.00.H42"\n').agency.code == "000.00.00.H42"
    assert _load(tmp_path, "").agency.code == ""


@pytest.mark.parametrize(("template", "expected"), [
    ("{name.__class__}", "attribute and index access"),
    ("{name.__class__.__init__.__globals__}", "attribute and index access"),
    ("{name[0]}", "attribute and index access"),
    ("{agency_code!r}", "no conversion or format"),
    ("{name:>100000000}", "no conversion or format"),
    ("{name:{year}}", "no conversion or format"),
    ("{}", "unknown template field"),
    ("{0}", "unknown template field"),
    ("{nom}", "unknown template field {nom}"),
    ("{name", "not a valid template"),
])
@pytest.mark.parametrize("setting", ["file_code", "title", "subject"])
def test_templates_take_only_their_plain_fields(tmp_path: Path, setting: str, template: str,
                                                expected: str) -> None:
    error = _refused(tmp_path, f'[metadata]\n{setting} = "{template}"\n')
    assert f"metadata.{setting}" in error.message and expected in error.message, error.message


@pytest.mark.parametrize("template", ["../{name}", "{agency_code}/{name}", "{name}/..",
                                      ".{name}", "{name}:{year}", "{name}%"])
def test_file_code_template_must_make_one_file_name(tmp_path: Path, template: str) -> None:
    error = _refused(tmp_path, f'[agency]\ncode = "H42"\n[metadata]\nfile_code = "{template}"\n')
    assert "file_code" in error.message, error.message


def test_title_and_subject_are_free_text(tmp_path: Path) -> None:
    config = _load(tmp_path, '[metadata]\ntitle = "Hồ sơ {name} / {year}: {{bản sao}}"\n')
    assert config.metadata.title.startswith("Hồ sơ")


@pytest.mark.parametrize("layout", ["../{file_code}", "{agency_code}/../../{file_code}",
                                    "/srv/{file_code}", "{year}/{file_code.__class__}",
                                    "{year}/{file_code!s}", "{year}/{file_code}:x",
                                    "{agency_code}/{year}"])
def test_archive_layout_leaving_the_archive_is_a_config_error(tmp_path: Path,
                                                              layout: str) -> None:
    error = _refused(tmp_path, f'[archive]\nlayout = "{layout}"\n')
    assert "archive.layout" in error.message or "[archive] layout" in error.message, \
        error.message


@pytest.mark.parametrize("box", ["[340.0, 60.0, 500.0, 140.0]", "[500.0, 60.0, 340.0, 140.0]"])
def test_a_fixed_signature_box_is_refused_with_what_to_use(tmp_path: Path, box: str) -> None:
    """The leader signs in each document's own signer block: a global box is refused at
    load, whatever it holds, and the message says what replaced it."""
    error = _refused(tmp_path, f"[signing]\nsignature_box = {box}\n")
    assert "signature_box" in error.message and "signatureBox" in error.message


@pytest.mark.parametrize("box", ["500,60,340,140", "340,140,500,60", "340,60,340,140",
                                 "-10,60,500,140", "340,nan,500,140", "340,60,inf,140", "1,2,3"])
def test_an_inverted_or_impossible_box_is_refused(box: str) -> None:
    from trams.metadata import parse_box

    with pytest.raises(ValueError):
        parse_box(box)


def _leader(image: Path) -> str:
    return (f'[signing.leader]\nkind = "pkcs12"\npath = "leader.p12"\nsecret_env = "X"\n'
            f'image = "{image}"\n')


def test_a_decompression_bomb_as_signature_image_is_refused_at_load(tmp_path: Path) -> None:
    bomb = png_bomb(tmp_path / "leader-signature.png", side=30_000)
    assert bomb.stat().st_size < 200_000  # small file, 900 megapixels
    error = _refused(tmp_path, _leader(bomb))
    assert "signing.leader.image" in error.message and "line 5" in error.message
    assert error.path == bomb


def test_an_image_over_the_signature_limit_is_refused(tmp_path: Path) -> None:
    # 36 megapixels: under Pillow's own bomb limit, far over any signature or seal
    big = png_bomb(tmp_path / "seal.png", side=6_000)
    error = _refused(tmp_path, _leader(big))
    assert "6000 x 6000" in error.message, error.message


@pytest.mark.parametrize("damage", ["truncated", "not an image"])
def test_a_damaged_signature_image_is_refused(tmp_path: Path, damage: str) -> None:
    data = png_bytes((400, 200))
    image = tmp_path / "sig.png"
    image.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"<html>" * 50)
    error = _refused(tmp_path, _leader(image))
    assert "cannot be read" in error.message, error.message


def test_a_good_signature_image_and_a_missing_one_load(tmp_path: Path) -> None:
    image = tmp_path / "sig.png"
    image.write_bytes(png_bytes((600, 240)))
    assert _load(tmp_path, _leader(image)).signing.leader.image == image
    # not there yet (`trams init` before the images are copied): doctor and signing name it
    assert _load(tmp_path, _leader(tmp_path / "later.png")).signing.leader is not None


def test_empty_secrets_say_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAMS_TEST_PIN", "")
    with pytest.raises(ConfigError) as info:
        read_secret(env="TRAMS_TEST_PIN", file=None, what="PIN of the agency key")
    assert "TRAMS_TEST_PIN" in info.value.message and "empty" in info.value.message
    secret = tmp_path / "pin.txt"
    secret.write_text("\n")
    with pytest.raises(ConfigError) as info:
        read_secret(env=None, file=secret, what="PIN of the agency key")
    assert "empty" in info.value.message and info.value.path == secret


def test_sign_refuses_an_inverted_box_on_its_command_line(tmp_path: Path, capsys) -> None:
    from trams.cli.main import run

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    code = run(["sign", str(pdf), "-o", str(tmp_path / "out"),
                "--signature-box", "500,60,340,140"])
    assert code == 2 and "x0 < x1" in capsys.readouterr().err
