"""Vietnamese text as people type it: normalization, folding and words, for the search index.

* Every text is Unicode NFC first, so text typed with combining marks (NFD, as macOS and
  some input methods produce) and precomposed text (NFC) are the same.
* ``fold`` removes every diacritic (tone marks, the circumflex, breve and horn) and maps
  ``đ``/``Đ`` to ``d`` (``đ`` is a letter of its own, not ``d`` plus a mark, so a plain
  "remove diacritics" would keep it), then lower-cases: ``Quyết định`` -> ``quyet dinh``.
  Folding maps one character to one character, so the words of a text and of its folded
  form line up one to one (the index relies on it).
* A word is a run of letters and digits (``_`` and punctuation separate words).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

WORD = re.compile(r"[^\W_]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@cache
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    # one character in, one out (a letter whose base is not one character stays itself)
    return base.lower() if len(base) == 1 else ch


class _FoldTable(dict):
    """``str.translate`` table, filled on first use of each character."""

    def __missing__(self, code: int) -> int:
        folded = ord(_fold_char(chr(code)))
        self[code] = folded
        return folded


_TABLE = _FoldTable()
for _c in range(128):  # ASCII: only upper case changes
    _TABLE[_c] = ord(chr(_c).lower())


def lower(text: str) -> str:
    """NFC, lower case (the "exact" form: diacritics kept)."""
    return nfc(text).lower()


def fold(text: str) -> str:
    """NFC, lower case, without diacritics, ``đ`` -> ``d``; same length as :func:`lower`."""
    return lower(text).translate(_TABLE)


def words(text: str) -> list[str]:
    """The words of ``text`` in their exact (lower-case NFC) form."""
    return WORD.findall(lower(text))


def word_pairs(text: str) -> tuple[list[str], list[str]]:
    """``(exact words, folded words)``, aligned one to one."""
    low = lower(text)
    return WORD.findall(low), WORD.findall(low.translate(_TABLE))


def has_marks(word: str) -> bool:
    """True when ``word`` carries a diacritic or ``đ`` (typed "with diacritics")."""
    low = lower(word)
    return low != low.translate(_TABLE)
