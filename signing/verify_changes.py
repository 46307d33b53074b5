"""Name what changed in a PDF after a signature: allowed updates and disallowed changes.

pyHanko's difference analysis decides *whether* the later revisions are allowed (its
modification level); this module says *what* they are, in words an auditor can file:
later signatures, document timestamps, validation data (DSS), filled form fields (allowed);
pages added or removed, page content changed, annotations added (disallowed, named).
"""

from __future__ import annotations

import hashlib

from pyhanko.pdf_utils import generic
from trams.signing.notecodes import coded
from trams.signing.verify_model import Note

from trams.i18n import N_

OTHER_CHANGE = coded("other_change", N_("other change not allowed after signing: {detail}"))
PAGE_ADDED = coded("page_added", N_("page {page} added"))
PAGE_REMOVED = coded("page_removed", N_("page {page} removed"))
PAGE_CHANGED = coded("page_content_changed", N_("content of page {page} changed"))
ANNOT_ADDED = coded("annotation_added", N_("annotation added on page {page} ({kind})"))
ANNOT_CHANGED = coded("annotation_changed", N_("annotation removed or changed on page {page}"))
LATER_DOC_TS = coded("later_document_timestamp", N_("document timestamp '{field}'"))
LATER_SIGNATURE = coded("later_signature", N_("later signature '{field}'"))
DSS_ADDED = coded("dss_added", N_("validation data added (DSS)"))
FORM_FILLED = coded("form_filled", N_("form fields filled"))
ANNOTS_CHANGED = coded("annotations_changed", N_("annotations added, changed or removed"))


def _resolve(obj):
    return obj.get_object() if isinstance(obj, generic.IndirectObject) else obj


def _pages(root) -> list:
    pages: list = []

    def walk(node, depth=0):
        node = _resolve(node)
        if depth > 64 or not isinstance(node, generic.DictionaryObject):
            return
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            for kid in _resolve(node.get("/Kids", generic.ArrayObject())):
                walk(kid, depth + 1)
        else:
            pages.append(node)

    walk(root.get("/Pages"))
    return pages


def _content_digest(page) -> str:
    h = hashlib.sha256()
    contents = page.get("/Contents")
    contents = _resolve(contents) if contents is not None else None
    streams = contents if isinstance(contents, generic.ArrayObject) else [contents]
    for stream in streams:
        stream = _resolve(stream)
        if isinstance(stream, generic.StreamObject):
            h.update(stream.data)
    _hash_resources(h, page.get("/Resources"), 0)
    return h.hexdigest()


def _hash_resources(h, resources, depth: int) -> None:
    """XObjects and fonts may be swapped or redefined to change what a page shows (the
    shadow attacks' "replace" class): their content goes into the page's digest."""
    resources = _resolve(resources) if resources is not None else None
    if not isinstance(resources, generic.DictionaryObject) or depth > 8:
        return
    h.update(repr(sorted(resources.keys())).encode())
    fonts = _resolve(resources.get("/Font")) if "/Font" in resources else None
    if isinstance(fonts, generic.DictionaryObject):
        for name, ref in sorted(fonts.items()):
            h.update(name.encode() + repr(_resolve(ref)).encode())
    xobjects = _resolve(resources.get("/XObject")) if "/XObject" in resources else None
    if isinstance(xobjects, generic.DictionaryObject):
        for name, ref in sorted(xobjects.items()):
            xo = _resolve(ref)
            h.update(name.encode())
            if isinstance(xo, generic.StreamObject):
                h.update(hashlib.sha256(xo.encoded_data).digest())
                _hash_resources(h, xo.get("/Resources"), depth + 1)


APPENDED = coded("data_appended", N_(
    "data appended after the last revision, outside any cross-reference section"))


def appended_data(reader, data: bytes) -> bool:
    """True when PDF objects follow the last revision's %%EOF without an xref section
    (an incremental saving attack: lenient viewers rebuild the xref and show them)."""
    try:
        xrefs = reader.xrefs
        end = xrefs.get_xref_container_info(xrefs.total_revisions - 1).end_location
    except Exception:  # noqa: BLE001 - no reliable end: nothing to say
        return False
    eof = data.find(b"%%EOF", end)
    if eof < 0:
        return False
    tail = data[eof + 5:]
    return any(token in tail for token in (b" obj", b"endobj", b"stream", b"xref",
                                           b"trailer"))


def _annotations(page) -> list[tuple[str, str]]:
    """(subtype, identity) of a page's annotations, signature widgets excluded."""
    result = []
    for ref in _resolve(page.get("/Annots", generic.ArrayObject())) or []:
        annot = _resolve(ref)
        if not isinstance(annot, generic.DictionaryObject):
            continue
        subtype = str(annot.get("/Subtype", "?")).lstrip("/")
        if subtype == "Widget":
            continue
        ident = repr(ref.reference) if isinstance(ref, generic.IndirectObject) else repr(annot)
        result.append((subtype, ident))
    return result


def page_changes(reader, signed_revision: int) -> list[Note]:
    """Structural changes to pages between ``signed_revision`` (0-based) and the file's end."""
    try:
        before = _pages(reader.get_historical_root(signed_revision))
        after = _pages(reader.root)
    except Exception as exc:  # noqa: BLE001 - a broken page tree is itself a finding
        return [Note.of(OTHER_CHANGE,
                        detail=f"page tree unreadable ({type(exc).__name__})")]
    notes: list[Note] = []
    for i in range(len(before), len(after)):
        notes.append(Note.of(PAGE_ADDED, page=i + 1))
    for i in range(len(after), len(before)):
        notes.append(Note.of(PAGE_REMOVED, page=i + 1))
    for i, (old, new) in enumerate(zip(before, after, strict=False)):
        if _content_digest(old) != _content_digest(new):
            notes.append(Note.of(PAGE_CHANGED, page=i + 1))
        old_annots, new_annots = _annotations(old), _annotations(new)
        old_ids = {ident for _kind, ident in old_annots}
        for kind, ident in new_annots:
            if ident not in old_ids:
                notes.append(Note.of(ANNOT_ADDED,
                                     page=i + 1, kind=kind))
        if not old_ids <= {ident for _kind, ident in new_annots}:
            notes.append(Note.of(ANNOT_CHANGED, page=i + 1))
    return notes


def later_updates(reader, signed_revision: int, sig_fields: dict[int, tuple[str, bool]],
                  form_filled: bool, annotated: bool = False) -> list[Note]:
    """Allowed kinds of later revisions: signatures, doc timestamps, DSS, form filling.

    ``sig_fields`` maps a 0-based revision to (field name, is a document timestamp).
    """
    notes: list[Note] = []
    for revision in sorted(r for r in sig_fields if r > signed_revision):
        name, is_doc_ts = sig_fields[revision]
        notes.append(Note.of(LATER_DOC_TS if is_doc_ts else LATER_SIGNATURE, field=name))
    try:
        old_dss = reader.get_historical_root(signed_revision).get("/DSS")
        new_dss = reader.root.get("/DSS")
        if new_dss is not None and (old_dss is None or
                                    _resolve(old_dss) != _resolve(new_dss)):
            notes.append(Note.of(DSS_ADDED))
    except Exception:  # noqa: BLE001 - reported through the page analysis instead
        pass
    if form_filled:
        notes.append(Note.of(FORM_FILLED))
    if annotated:
        notes.append(Note.of(ANNOTS_CHANGED))
    return notes
