"""The Tantivy side of the search index: its schema, an
:class:`~trams.archive.index_entry.IndexEntry` as a Tantivy document (each word folded, and
exact too where it carries diacritics), and a parsed query (:mod:`.query`) under its
:class:`Filters` compiled into a Tantivy query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import tantivy

from trams.archive import query as q
from trams.archive import vitext
from trams.archive.index_entry import IndexEntry

META_BOOST = 2.0  # a hit in the subject, title or codes counts more than one in the text


def _fold_join(text: str) -> tuple[str, str]:
    """(folded words joined by spaces, the distinct exact words that carry diacritics)."""
    exact, folded = vitext.word_pairs(text)
    keep = [i for i, w in enumerate(folded) if len(w) <= q.MAX_WORD]
    marked = sorted({exact[i] for i in keep if exact[i] != folded[i]})
    return " ".join(folded[i] for i in keep), " ".join(marked)


# --- the Tantivy part ---------------------------------------------------------------------
def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", indexed=True, fast=True)
    sb.add_text_field("text", tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("text_exact", tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field("meta", tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("meta_exact", tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field("signer", tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("agency", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("record", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("type", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("day", indexed=True, fast=True)
    return sb.build()


SCHEMA = _schema()


def _tantivy_doc(entry: IndexEntry) -> tantivy.Document:
    text_fold, text_exact = _fold_join(entry.text)
    meta_fold, meta_exact = _fold_join(entry.meta_text)
    doc = tantivy.Document(text=text_fold, text_exact=text_exact, meta=meta_fold,
                           meta_exact=meta_exact, signer=_fold_join(entry.signer_text)[0],
                           agency=entry.agency, record=entry.record_code)
    doc.add_integer("id", entry.id)
    for value in entry.types:
        doc.add_text("type", value)
    if entry.day is not None:
        doc.add_integer("day", entry.day)
    return doc


@dataclass(frozen=True)
class Filters:
    agency: str | None = None
    record: str | None = None
    doc_type: str | None = None
    signer: str | None = None
    day_from: int | None = None  # yyyymmdd, inclusive
    day_to: int | None = None


def _term(field_name: str, value: str) -> tantivy.Query:
    return tantivy.Query.term_query(SCHEMA, field_name, value)


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, x) for x in queries])


def _fields_query(build, boosts=(("text", 1.0), ("meta", META_BOOST))) -> tantivy.Query:  # noqa: ANN001
    out = []
    for name, boost in boosts:
        query = build(name)
        out.append(tantivy.Query.boost_query(query, boost) if boost != 1.0 else query)
    return _any(out)


def _exact_words(terms: Iterable[q.Term]) -> list[tantivy.Query]:
    """For each word typed with diacritics: it must be in the document in that spelling."""
    out = []
    for t in terms:
        if not t.marked:
            continue
        if t.prefix:
            pattern = re.escape(t.exact) + ".*"
            out.append(_any([tantivy.Query.regex_query(SCHEMA, f, pattern)
                             for f in ("text_exact", "meta_exact")]))
        else:
            out.append(_any([_term("text_exact", t.exact), _term("meta_exact", t.exact)]))
    return out


def _compile(node: q.Node) -> tantivy.Query:
    Occur = tantivy.Occur  # noqa: N806
    if isinstance(node, q.All):
        return tantivy.Query.all_query()
    if isinstance(node, q.Term):
        if node.prefix:
            pattern = re.escape(node.folded) + ".*"
            match = _fields_query(lambda f: tantivy.Query.regex_query(SCHEMA, f, pattern))
        else:
            match = _fields_query(lambda f: _term(f, node.folded))
        exact = _exact_words([node])
        if not exact:
            return match
        return tantivy.Query.boolean_query([(Occur.Must, match),
                                            *((Occur.Must, x) for x in exact)])
    if isinstance(node, q.Phrase):
        words = [t.folded for t in node.terms]
        if node.terms[-1].prefix:
            match = _fields_query(lambda f: tantivy.Query.phrase_prefix_query(SCHEMA, f, words))
        else:
            match = _fields_query(lambda f: tantivy.Query.phrase_query(SCHEMA, f, words))
        exact = _exact_words(node.terms)
        if not exact:
            return match
        return tantivy.Query.boolean_query([(Occur.Must, match),
                                            *((Occur.Must, x) for x in exact)])
    if isinstance(node, q.Or):
        return tantivy.Query.boolean_query([(Occur.Should, _compile(p)) for p in node.parts])
    if isinstance(node, q.Not):
        return tantivy.Query.boolean_query([(Occur.Must, tantivy.Query.all_query()),
                                            (Occur.MustNot, _compile(node.part))])
    clauses = []
    for part in node.parts:
        if isinstance(part, q.Not):
            clauses.append((Occur.MustNot, _compile(part.part)))
        else:
            clauses.append((Occur.Must, _compile(part)))
    if all(o == Occur.MustNot for o, _x in clauses):
        clauses.append((Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(clauses)


def compile_query(node: q.Node, filters: Filters = Filters()) -> tantivy.Query:
    Occur = tantivy.Occur  # noqa: N806
    clauses = [(Occur.Must, _compile(node))]
    if filters.agency:
        clauses.append((Occur.Must, _term("agency", filters.agency)))
    if filters.record:
        clauses.append((Occur.Must, _term("record", filters.record)))
    if filters.doc_type:
        wanted = filters.doc_type.strip()
        clauses.append((Occur.Must, _any([_term("type", wanted),
                                          _term("type", vitext.fold(wanted))])))
    if filters.signer:
        words = [w for w in vitext.word_pairs(filters.signer)[1] if len(w) <= q.MAX_WORD]
        if words:
            clauses.append((Occur.Must, tantivy.Query.phrase_query(SCHEMA, "signer", words)
                            if len(words) > 1 else _term("signer", words[0])))
    if filters.day_from is not None or filters.day_to is not None:
        clauses.append((Occur.Must, tantivy.Query.range_query(
            SCHEMA, "day", tantivy.FieldType.Integer, filters.day_from or 0,
            filters.day_to or 99991231)))
    return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
