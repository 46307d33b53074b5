"""The machine code of each verification note (docs/codes.md).

A note (:class:`~trams.signing.verify_model.Note`) is an English msgid and its parameters,
translated when shown; its ``code`` is what a script reads, the same in every language and
unchanged when a wording is improved. Each module declares its notes with :func:`coded`.
This module depends on nothing, so every verification module may use it.
"""

from __future__ import annotations

NOTE_CODES: dict[str, str] = {}  # msgid -> code


def coded(code: str, msgid: str) -> str:
    """Register ``code`` for ``msgid``; returns the msgid (``P_X = coded("x", N_("..."))``)."""
    known = NOTE_CODES.setdefault(msgid, code)
    assert known == code, f"{msgid!r} has two codes: {known}, {code}"
    return msgid


def note_code(msgid: str) -> str:
    return NOTE_CODES.get(msgid, "verification_note")
