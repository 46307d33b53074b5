"""Translation layer: every user-facing message goes through ``_``.

Message ids are English sentences with ``{named}`` placeholders; counted things go through
:func:`_n` (English "1 file" / "2 files"; Vietnamese has one form). The Vietnamese catalogue
lives in gettext ``.po`` files under ``trams/locale/vi/`` (one file per area, merged at
load, so each area's messages are kept beside each other). English needs no catalogue:
the id is the English text.

Language: ``--lang vi|en`` (the CLI calls :func:`set_language`), else ``TRAMS_LANG``,
else the locale (``LC_ALL``/``LC_MESSAGES``/``LANG`` starting with ``vi``), else English.
Worker processes inherit the choice through ``TRAMS_LANG``, which ``set_language`` sets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("vi", "en")
LOCALE_DIR = Path(__file__).parent / "locale"

_current: str | None = None


def detect_language() -> str:
    env = os.environ.get("TRAMS_LANG", "").strip().lower()
    if env in LANGUAGES:
        return env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def set_language(lang: str | None) -> str:
    """Fix the language for this process and its children; returns the language used."""
    global _current
    chosen = (lang or detect_language()).lower()
    if chosen not in LANGUAGES:
        chosen = "en"
    _current = chosen
    os.environ["TRAMS_LANG"] = chosen
    return chosen


@contextmanager
def using_language(lang: str | None) -> Iterator[str]:
    """``set_language`` for the duration of a block, then the previous choice again."""
    global _current
    saved, saved_env = _current, os.environ.get("TRAMS_LANG")
    try:
        yield set_language(lang)
    finally:
        _current = saved
        if saved_env is None:
            os.environ.pop("TRAMS_LANG", None)
        else:
            os.environ["TRAMS_LANG"] = saved_env


def get_language() -> str:
    return _current or detect_language()


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All translations for ``lang`` (msgid -> msgstr), merged from every .po file."""
    messages: dict[str, str] = {}
    folder = LOCALE_DIR / lang
    if not folder.is_dir():
        return messages
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for msg in cat:
            if not msg.id or msg.fuzzy:
                continue
            if isinstance(msg.id, str) and msg.string:
                messages[msg.id] = msg.string
            elif isinstance(msg.id, tuple) and msg.string and msg.string[0]:
                # a plural entry: Vietnamese has one form (nplurals=1), for either English id
                for form in msg.id:
                    messages[form] = msg.string[0]
    return messages


def _(message: str, /, **params: object) -> str:
    """Translate ``message`` into the current language and fill its ``{placeholders}``."""
    lang = get_language()
    text = catalogue(lang).get(message, message) if lang != "en" else message
    return text.format(**params) if params else text


def _n(singular: str, plural: str, count: int, /, **params: object) -> str:
    """A message about ``count`` things: ``_n("{count} file", "{count} files", n, count=n)``."""
    return _(singular if count == 1 else plural, **params)


def translate_to(lang: str, message: str, /, **params: object) -> str:
    """Translate into a given language regardless of the current one (reports, reason files)."""
    text = catalogue(lang).get(message, message) if lang != "en" else message
    return text.format(**params) if params else text


def N_(message: str, /) -> str:
    """Mark a message for extraction without translating it now (translate at use)."""
    return message
