"""Changes after signing judged as ETSI EN 319 142-1 and ISO 32000-2 allow them.

pyHanko's difference analysis (:class:`StandardDiffPolicy`) is the engine; this module
configures it with the rules a PAdES validator such as EU DSS applies on top of pyHanko's
defaults, without loosening what must stay forbidden:

* freed objects: allowed when nothing in the new revision still points at them (iText
  frees the old DSS streams when it extends a file); a freed object still in use would turn
  into ``null`` where the document shows it, so that stays disallowed;
* the DSS (``/Root/DSS``, PAdES validation data): any addition, replacement or removal of
  its entries and VRI dictionaries is an extension change (DSS "secure change"), as long
  as the objects it touches are used only by the DSS;
* the logical structure (``/Root/StructTreeRoot``) updated when a signature widget is added
  to a tagged PDF: allowed at form-filling level when it touches only objects the structure
  tree alone uses (nothing drawn on a page);
* annotations (comments, not form widgets) added, changed or removed where DocMDP P=3 or a
  field lock with P=3 allows it (ISO 32000-2 12.8.2.2); pyHanko's defaults stop at P=2.

Everything else (page content, resources, fonts, page tree, catalog keys, objects shared
with what a page draws) is left to pyHanko's rules, which reject it: shadow attacks,
incremental saving attacks and signature wrapping stay caught.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver
from pyhanko.sign.diff_analysis import (
    DiffPolicy,
    ModificationLevel,
    QualifiedWhitelistRule,
    ReferenceUpdate,
    StandardDiffPolicy,
    SuspiciousModification,
    WhitelistRule,
)
from pyhanko.sign.diff_analysis.commons import compare_dicts
from pyhanko.sign.diff_analysis.constants import ROOT_EXEMPT_STRICT_COMPARISON, VALUE_UPDATE_KEYS
from pyhanko.sign.diff_analysis.form_rules_api import FormUpdate, FormUpdatingRule
from pyhanko.sign.diff_analysis.policies import _is_id
from pyhanko.sign.diff_analysis.rules.file_structure_rules import (
    CatalogModificationRule,
    ObjectStreamRule,
    XrefStreamRule,
)
from pyhanko.sign.diff_analysis.rules.form_field_rules import (
    BaseFieldModificationRule,
    DSSCompareRule,
    GenericFieldModificationRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
)
from pyhanko.sign.diff_analysis.rules.metadata_rules import DocInfoRule, MetadataUpdateRule
from pyhanko.sign.diff_analysis.rules_api import AbsoluteContext
from pyhanko.sign.fields import MDPPerm

# pyHanko's exempt catalog keys, plus the structure tree (checked by SubtreeRule)
_CATALOG_EXEMPT = frozenset(ROOT_EXEMPT_STRICT_COMPARISON) | {"/StructTreeRoot"}


def _resolve(obj):
    return obj.get_object() if isinstance(obj, generic.IndirectObject) else obj


def _old_usages_only_under(old: HistoricalResolver, ref, prefixes: tuple[str, ...]) -> bool:
    """True when every path by which the signed revision reaches ``ref`` starts with
    ``/Root`` + one of ``prefixes`` (or ``ref`` did not exist then)."""
    if old.is_ref_unassignable(ref):
        return True
    old._load_reverse_xref_cache()
    usages = old._get_usages_of_ref(ref)
    for path in usages:
        parts = list(path.path) if hasattr(path, "path") else list(path)
        if len(parts) < 2 or parts[0] != "/Root" or parts[1] not in prefixes:
            return False
    return True


def _refs_under(new: HistoricalResolver, obj) -> set:
    """Indirect references reachable from ``obj`` (``obj`` itself included)."""
    refs = set()
    if isinstance(obj, generic.IndirectObject):
        refs.add(obj.reference)
    refs |= new.collect_dependencies(_resolve(obj))
    return refs


class SubtreeRule(WhitelistRule):
    """Approve every object updated in a revision that is reachable from ``/Root/<key>``
    in the new revision and used, in the signed revision, only under ``/Root/<key>``."""

    def __init__(self, key: str):
        self.key = key

    def apply(self, old: HistoricalResolver, new: HistoricalResolver
              ) -> Iterable[ReferenceUpdate]:
        new_value = new.root.raw_get(self.key) if self.key in new.root else None
        if new_value is None:
            return
        updated = set(new.explicit_refs_in_revision())
        if not updated:
            return
        for ref in _refs_under(new, new_value) & updated:
            if _old_usages_only_under(old, ref, (self.key,)):
                yield ReferenceUpdate(ref)


class LenientDSSRule(WhitelistRule):
    """pyHanko's DSS rule, and where it objects (a VRI entry replaced or removed, old
    responses dropped), the DSS-subtree rule: PAdES allows validation data to be replaced.

    A DSS object may reuse an object number that the signed revision left undefined but
    named in a trailer entry (Adobe's ``/AdditionalStreams``); those trailer paths, which
    pointed at nothing, are cleared too."""

    def __init__(self):
        self._strict = DSSCompareRule()
        self._subtree = SubtreeRule("/DSS")

    def apply(self, old, new):
        try:
            found = list(self._strict.apply(old, new))
        except SuspiciousModification:
            found = list(self._subtree.apply(old, new))
        yield from found
        for update in found:
            yield from _undefined_trailer_usages(old, update.updated_ref)


def _undefined_trailer_usages(old: HistoricalResolver, ref) -> Iterable[ReferenceUpdate]:
    if not old.is_ref_unassignable(ref) and not isinstance(old(ref), generic.NullObject):
        return  # the signed revision defined it: its usages stay to be justified
    old._load_reverse_xref_cache()
    for path in old._get_usages_of_ref(ref):
        parts = list(path.path) if hasattr(path, "path") else list(path)
        if parts and parts[0] not in ("/Root", "/Info", "/Encrypt"):
            yield ReferenceUpdate(ref, context_checked=AbsoluteContext(path, old))


class ProducerMarkRule(WhitelistRule):
    """An object rewritten only to add or change a producer's private marker key (iText's
    ``/ITXT`` on the page tree root): nothing shown changes (DSS skips these too)."""

    MARKERS = frozenset({"/ITXT"})

    def apply(self, old, new):
        for ref in new.explicit_refs_in_revision():
            if old.is_ref_unassignable(ref):
                continue
            before, after = old(ref), new(ref)
            if not (isinstance(before, generic.DictionaryObject)
                    and isinstance(after, generic.DictionaryObject)
                    and not isinstance(after, generic.StreamObject)):
                continue
            keys = set(after) - self.MARKERS
            if keys != set(before) - self.MARKERS or set(after) == set(before) and \
                    all(before.raw_get(k) == after.raw_get(k) for k in after):
                continue
            try:
                same = all(_is_id(before.raw_get(k), after.raw_get(k)) for k in keys)
            except NotImplementedError:
                same = False
            if same:
                yield ReferenceUpdate(ref)


class FreedObjectsRule(WhitelistRule):
    """Objects freed in a revision that nothing in the new revision references."""

    def apply(self, old, new):
        freed = new.refs_freed_in_revision()
        if not freed:
            return
        reachable = new.collect_dependencies(new.trailer_view)
        for ref in freed:
            if ref not in reachable:
                yield ReferenceUpdate(ref)


class AnnotationRule(QualifiedWhitelistRule):
    """Comments (non-widget annotations) added, changed or removed on pages, qualified at
    :attr:`ModificationLevel.ANNOTATIONS`: the page dictionary may change only in
    ``/Annots``; the annotations' own objects may be new or used only by annotations."""

    def apply_qualified(self, old, new):
        try:
            old_pages = _page_refs(old)
            new_pages = _page_refs(new)
        except (KeyError, TypeError, ValueError, AttributeError):
            return
        if [r for r, _ in old_pages] != [r for r, _ in new_pages]:
            return
        updated = set(new.explicit_refs_in_revision())
        for (ref, old_page), (_ref, new_page) in zip(old_pages, new_pages, strict=True):
            if ref not in updated and "/Annots" not in new_page:
                continue
            if {k for k in old_page if k != "/Annots"} != {k for k in new_page
                                                           if k != "/Annots"}:
                continue
            if any(old_page.raw_get(k) != new_page.raw_get(k) for k in old_page
                   if k != "/Annots"):
                continue
            old_annots = {a.reference for a in _raw_list(old_page.get("/Annots"))
                          if isinstance(a, generic.IndirectObject)}
            approved = []
            annots_value = new_page.raw_get("/Annots") if "/Annots" in new_page else None
            if isinstance(annots_value, generic.IndirectObject):
                approved.append(annots_value.reference)
            ok = True
            for annot in _raw_list(new_page.get("/Annots")):
                adict = _resolve(annot)
                if not isinstance(adict, generic.DictionaryObject):
                    ok = False
                    break
                is_widget = adict.get("/Subtype") == "/Widget"
                if isinstance(annot, generic.IndirectObject):
                    aref = annot.reference
                    if is_widget:
                        continue  # widgets: the form rules decide
                    deps = _refs_under(new, annot) & updated
                    if aref in updated or aref not in old_annots or deps:
                        for dep in deps | ({aref} & updated):
                            if dep != ref and _only_annotation_use(old, dep):
                                approved.append(dep)
                            elif dep != ref:
                                ok = False
            if ok:
                yield ModificationLevel.ANNOTATIONS, ReferenceUpdate(ref)
                for dep in approved:
                    yield ModificationLevel.ANNOTATIONS, ReferenceUpdate(dep)


class WidgetKidsFillRule(BaseFieldModificationRule):
    """A filled (non-signature) field's separate widget annotations (``/Kids``) may get a
    new appearance and the value-related keys (/AP /AS /DA /F /Q): ISO 32000-2 form
    filling. New appearance streams must be new objects; any other key change is refused.
    Field locks (FieldMDP) still apply: the update counts as a change of that field."""

    def check_form_field(self, fq_name, spec, context):
        if spec.field_type == "/Sig" or not spec.new_field_ref or not spec.old_field_ref:
            return
        new_field = spec.new_field
        updated = set(context.new.explicit_refs_in_revision())
        for kid in _raw_list(new_field.get("/Kids")):
            if not isinstance(kid, generic.IndirectObject) or kid.reference not in updated:
                continue
            if context.old.is_ref_unassignable(kid.reference):
                continue  # a new widget: not a fill
            old_kid, new_kid = context.old(kid.reference), kid.get_object()
            if not isinstance(old_kid, generic.DictionaryObject):
                raise SuspiciousModification(f"widget {kid.reference} is not a dictionary")
            compare_dicts(old_kid, new_kid, VALUE_UPDATE_KEYS)  # /Parent, /Rect, /P kept
            yield ModificationLevel.FORM_FILLING, FormUpdate(
                updated_ref=kid.reference, field_name=fq_name, valid_when_locked=False)
            ap = new_kid.get("/AP")
            if isinstance(ap, generic.DictionaryObject):
                for key in ("/N", "/R", "/D"):
                    if key in ap:
                        for ref in context.new.collect_dependencies(
                                ap.raw_get(key), since_revision=context.old.revision + 1):
                            yield ModificationLevel.FORM_FILLING, FormUpdate(
                                updated_ref=ref, field_name=fq_name, valid_when_locked=False)


def _only_annotation_use(old: HistoricalResolver, ref) -> bool:
    if old.is_ref_unassignable(ref):
        return True
    old._load_reverse_xref_cache()
    for path in old._get_usages_of_ref(ref):
        parts = [str(p) for p in (path.path if hasattr(path, "path") else path)]
        if "/Annots" not in parts or "/Contents" in parts[:parts.index("/Annots")]:
            return False
    return True


def _raw_list(value) -> list:
    value = _resolve(value) if value is not None else None
    return list(value) if isinstance(value, generic.ArrayObject) else []


def _page_refs(res: HistoricalResolver) -> list:
    pages = []

    def walk(node, depth=0):
        obj = _resolve(node)
        if depth > 64 or not isinstance(obj, generic.DictionaryObject):
            return
        if "/Kids" in obj:
            for kid in _raw_list(obj.get("/Kids")):
                walk(kid, depth + 1)
        elif isinstance(node, generic.IndirectObject):
            pages.append((node.reference, obj))

    walk(res.root.raw_get("/Pages"))
    return pages


def _policy(*, annotations: bool) -> StandardDiffPolicy:
    rules: list[QualifiedWhitelistRule] = [
        CatalogModificationRule(ignored_keys=set(_CATALOG_EXEMPT)),
        DocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        LenientDSSRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule().as_qualified(ModificationLevel.LTA_UPDATES),
        FreedObjectsRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ProducerMarkRule().as_qualified(ModificationLevel.LTA_UPDATES),
        SubtreeRule("/StructTreeRoot").as_qualified(ModificationLevel.FORM_FILLING),
    ]
    if annotations:
        rules.append(AnnotationRule())
    return StandardDiffPolicy(
        global_rules=rules,
        form_rule=FormUpdatingRule(field_rules=[
            SigFieldCreationRule(), SigFieldModificationRule(),
            GenericFieldModificationRule(), WidgetKidsFillRule()]),
        reject_object_freeing=False,
    )


PADES_DIFF_POLICY = _policy(annotations=False)
ANNOTATIONS_DIFF_POLICY = _policy(annotations=True)


class UnanalysedChanges(SuspiciousModification):
    """The later revisions could not be read well enough to judge them (a dangling
    reference, a malformed form tree): neither allowed nor proven disallowed."""


class PadesDiffPolicy(DiffPolicy):
    """The policy for one signature: with annotations where its DocMDP (certification or
    field lock) is P=3, without them otherwise (P=1 and P=2 are judged from the level)."""

    def apply(self, old, new, field_mdp_spec=None, doc_mdp=None):
        return _pick(doc_mdp).apply(old, new, field_mdp_spec, doc_mdp)

    def review_file(self, reader, base_revision, field_mdp_spec=None, doc_mdp=None):
        try:
            return _pick(doc_mdp).review_file(reader, base_revision, field_mdp_spec,
                                              doc_mdp)
        except SuspiciousModification as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - unreadable structure is not a verdict
            text = " ".join(str(exc).split())[:160]
            return UnanalysedChanges(f"{type(exc).__name__}: {text}")


def _pick(doc_mdp) -> StandardDiffPolicy:
    return ANNOTATIONS_DIFF_POLICY if doc_mdp == MDPPerm.ANNOTATE else PADES_DIFF_POLICY


DIFF_POLICY = PadesDiffPolicy()
