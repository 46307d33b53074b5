"""Every user-facing message has a Vietnamese translation; language selection works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from trams import i18n

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "_n": (1, 2), "translate_to": (2,)}


def _msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in ("trams", "app", "cli", "signing", "scanning"):
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=(), strip_comment_tags=True,
        ):
            forms = message if isinstance(message, tuple) else (message,)
            for form in forms:  # a plural message: both English forms need a translation
                if isinstance(form, str) and form:
                    found.setdefault(form, f"{folder}/{filename}")
    return found


def test_every_message_has_a_vietnamese_translation() -> None:
    messages = _msgids()
    assert len(messages) > 20  # the extraction itself works
    vi = i18n.catalogue("vi")
    missing = sorted(f"{where}: {msg!r}" for msg, where in messages.items() if msg not in vi)
    assert not missing, "untranslated messages:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    vi = i18n.catalogue("vi")
    wrong = [m for m, t in vi.items() if fields(m) != fields(t)]
    assert not wrong, wrong


def test_language_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRAMS_LANG", raising=False)
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    assert i18n.detect_language() == "vi"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.detect_language() == "en"
    monkeypatch.setenv("TRAMS_LANG", "vi")
    assert i18n.detect_language() == "vi"
    assert i18n.translate_to("vi", "the disk is full") != "the disk is full"
    assert i18n.translate_to("en", "the disk is full") == "the disk is full"


@pytest.mark.parametrize(("lang", "expected"), [("vi", "Cách dùng"), ("en", "Usage")])
def test_help_in_both_languages(lang: str, expected: str) -> None:
    for args in (["--help"], ["demo", "--help"]):
        out = subprocess.run([sys.executable, "-m", "trams", "--lang", lang, *args],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert expected in out.stdout
    if lang == "vi":
        assert "Hiện hướng dẫn này rồi thoát" in out.stdout
