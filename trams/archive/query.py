"""The search language of ``trams archive search``, parsed into a small tree.

As people type it::

    quyet dinh dat dai          every word (AND is the default), diacritics optional
    "quyền sử dụng đất"         a phrase: the words next to each other, in this order
    chứng*                      a prefix
    giao OR cấp                 either (also ``|``)
    đất -thuế   đất NOT thuế    without
    (giao OR cấp) đất           parentheses group
    H42.01.2026.HS-0042         a code: its parts as a phrase
    *                           every document (with filters: all of one record, ...)

A word typed without diacritics matches every spelling (``dat`` finds ``đất``, ``đặt``,
``dát``); a word typed with at least one diacritic or ``đ`` matches that spelling only
(``đất`` does not find ``đặt``). Upper/lower case never matters; NFC and NFD input are
the same. Operators are upper case (``OR``, ``AND``, ``NOT``); in lower case they are
words. An empty or unbalanced query is an :class:`~trams.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from trams.archive import vitext
from trams.errors import InputError
from trams.i18n import _

MAX_WORD = 64  # longer "words" (OCR noise) are neither indexed nor searched


@dataclass(frozen=True)
class Term:
    exact: str  # lower-case NFC
    folded: str
    prefix: bool = False

    @property
    def marked(self) -> bool:
        return self.exact != self.folded


@dataclass(frozen=True)
class All:
    """``*`` alone: every document (with the filters, e.g. all of one record)."""


@dataclass(frozen=True)
class Phrase:
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Term | Phrase | And | Or | Not | All

def _lex(text: str) -> list[tuple[str, str]]:
    """``[(kind, value)]`` with kinds ``phrase``, ``(``, ``)``, ``OR``, ``AND``, ``NOT``,
    ``-`` (a minus glued to the next item) and ``word``."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in '"“”„«»':
            end = next((j for j in range(i + 1, n) if text[j] in '"“”„«»'), None)
            if end is None:
                raise InputError(_("the query has an opening quote without a closing one"),
                                 hint=_('Close the phrase with ", e.g. "quyền sử dụng đất".'),
                                 code="search_query_invalid")
            out.append(("phrase", text[i + 1:end]))
            i = end + 1
        elif ch in "()":
            out.append((ch, ch))
            i += 1
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace() and (
                i == 0 or text[i - 1].isspace() or text[i - 1] == "("):
            out.append(("-", "-"))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"“”„«»':
                j += 1
            word = text[i:j]
            out.append((word, word) if word in ("OR", "AND", "NOT") else
                       ("OR", word) if word == "|" else ("word", word))
            i = j
    return out


def _terms(raw: str, *, prefix: bool) -> list[Term]:
    low = vitext.lower(raw)
    exact = [w for w in vitext.WORD.findall(low) if len(w) <= MAX_WORD]
    terms = [Term(w, vitext.fold(w)) for w in exact]
    if prefix and terms:
        last = terms[-1]
        terms[-1] = Term(last.exact, last.folded, prefix=True)
    return terms


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node | None:
        node = self.or_expr()
        if self.peek() is not None:
            raise InputError(_("the query has a closing parenthesis without an opening one"),
                             hint=_("Remove it or add the missing '('."),
                             code="search_query_invalid")
        return node

    def or_expr(self) -> Node | None:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        kept = tuple(p for p in parts if p is not None)
        return kept[0] if len(kept) == 1 else (Or(kept) if kept else None)

    def and_expr(self) -> Node | None:
        parts: list[Node] = []
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        return parts[0] if len(parts) == 1 else (And(tuple(parts)) if parts else None)

    def unary(self) -> Node | None:
        if self.peek() in ("-", "NOT"):
            self.take()
            node = self.unary()
            return Not(node) if node is not None else None
        return self.atom()

    def atom(self) -> Node | None:
        kind, value = self.take()
        if kind == "(":
            node = self.or_expr()
            if self.peek() != ")":
                raise InputError(_("the query has an opening parenthesis without a closing one"),
                                 hint=_("Add the missing ')'."), code="search_query_invalid")
            self.take()
            return node
        if kind == ")":
            raise InputError(_("the query has a closing parenthesis without an opening one"),
                             hint=_("Remove it or add the missing '('."),
                             code="search_query_invalid")
        if kind in ("OR", "AND", "NOT", "-"):
            return None  # a dangling operator at the end: ignored
        prefix = kind == "word" and value.endswith("*")
        terms = _terms(value.rstrip("*") if prefix else value, prefix=prefix)
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else Phrase(tuple(terms))


def parse(text: str) -> Node:
    """The query tree of ``text``; InputError for an empty or malformed query."""
    if text.strip() == "*":
        return All()
    node = _Parser(_lex(vitext.nfc(text))).parse()
    if node is None or _only_negative(node):
        raise InputError(_("the query has no word to look for"),
                         hint=_('Give at least one word, e.g. '
                                '`trams archive search "quyết định"`.'),
                         code="search_query_invalid")
    return node


def _only_negative(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, And):
        return all(_only_negative(p) for p in node.parts)
    return False


def positive_terms(node: Node) -> list[Term | Phrase]:
    """The terms and phrases a hit may contain (for highlighting), not those under NOT."""
    if isinstance(node, Term | Phrase):
        return [node]
    if isinstance(node, Not | All):
        return []
    out: list[Term | Phrase] = []
    for part in node.parts:
        out.extend(positive_terms(part))
    return out


def matches(term: Term, exact: str, folded: str) -> bool:
    """Does a word of a text (exact and folded forms) match ``term``?"""
    if term.marked:
        return exact.startswith(term.exact) if term.prefix else exact == term.exact
    return folded.startswith(term.folded) if term.prefix else folded == term.folded
