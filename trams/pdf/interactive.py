"""What PDF/A asks of a document's actions, forms and annotations, where pikepdf's check
only says "not supported" (ISO 19005-2 6.3.3, 6.4.1, 6.6.1, 6.6.2; PDF/A-1 alike).

Repaired, since they change nothing printed on a page (each repair is a note):

- scripts that run on opening the document (an /OpenAction of type JavaScript), as
  pikepdf's own repair removes the document's named scripts;
- trigger actions (/AA) of the catalog, of pages and of annotations: scripts too, which
  PDF/A forbids there;
- a form whose fields all have their appearance drawn, marked "NeedAppearances": the
  flag, which asks a viewer to draw them again, is cleared.

Refused, with the reason (only a change of what is printed could fix them): an action of a
type PDF/A forbids run on opening (Launch, Sound, Movie...), and an annotation or form field
with no appearance drawn (a viewer makes one up, so no two viewers need show the same).
"""

from __future__ import annotations

import pikepdf
from pikepdf import Dictionary

from trams.i18n import _

# ISO 19005-2 6.6.1: the action types a PDF/A may hold
ALLOWED_ACTIONS = frozenset({"/GoTo", "/GoToR", "/GoToE", "/Thread", "/URI", "/Named",
                             "/SubmitForm"})
NO_APPEARANCE_NEEDED = frozenset({"/Popup", "/Link"})
HIDDEN = 2  # annotation flag bit 2
MAX_CHAIN = 32  # /Next actions followed at most


def _chain(action: object) -> list[Dictionary]:
    """An action and the ones its /Next runs after it (a loop is cut). A destination (an
    array) is no action."""
    found: list[Dictionary] = []
    seen: set[tuple[int, int]] = set()
    todo = [action] if isinstance(action, Dictionary) else []
    while todo and len(found) < MAX_CHAIN:
        item = todo.pop()
        if isinstance(item, pikepdf.Array):
            todo += list(item)
            continue
        if not isinstance(item, Dictionary):
            continue
        if item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        found.append(item)
        if "/Next" in item:
            todo.append(item.Next)
    return found


def _drawn(annot: Dictionary) -> bool:
    """The annotation has its normal appearance, or needs none (a link, a popup, nothing
    to show: an empty rectangle or hidden)."""
    if annot.get("/Subtype") in NO_APPEARANCE_NEEDED:
        return True
    try:
        flags = int(annot.get("/F", 0))
        x0, y0, x1, y1 = (float(v) for v in annot.get("/Rect", (0, 0, 0, 0)))
    except (TypeError, ValueError):
        return False
    if flags & HIDDEN or abs(x1 - x0) * abs(y1 - y0) == 0:
        return True
    appearance = annot.get("/AP")
    return isinstance(appearance, Dictionary) and "/N" in appearance


def repair(pdf: pikepdf.Pdf) -> tuple[list[str], list[str]]:
    """Make the repairs above; returns (notes of what was repaired, reasons it cannot be
    a PDF/A as it is)."""
    notes: list[str] = []
    reasons: list[str] = []
    root = pdf.Root
    opening = _chain(root.get("/OpenAction"))
    kinds = {str(a.get("/S", "/?")) for a in opening}
    if "/JavaScript" in kinds:
        del root["/OpenAction"]
        notes.append(_("a script run on opening the document removed (PDF/A forbids "
                       "scripts)"))
        kinds = set()
    forbidden = sorted(k.lstrip("/") for k in kinds - ALLOWED_ACTIONS)
    if forbidden:
        reasons.append(_("an action of type {types} runs on opening the document",
                         types=", ".join(forbidden)))
    triggers = 0
    if "/AA" in root:
        del root["/AA"]
        triggers += 1
    undrawn: list[str] = []
    for page in pdf.pages:
        if "/AA" in page.obj:
            del page.obj["/AA"]
            triggers += 1
        annots = page.obj.get("/Annots")
        for annot in annots if isinstance(annots, pikepdf.Array) else ():
            if not isinstance(annot, Dictionary):
                continue
            if "/AA" in annot:
                del annot["/AA"]
                triggers += 1
            if not _drawn(annot):
                undrawn.append(str(annot.get("/Subtype", "?")).lstrip("/"))
    if triggers:
        notes.append(_("trigger actions (scripts) removed: {count}", count=triggers))
    if undrawn:
        reasons.append(_("{count} annotation(s) or form field(s) without a drawn appearance "
                         "({kinds})", count=len(undrawn),
                         kinds=", ".join(sorted(set(undrawn)))))
    form = root.get("/AcroForm")
    if isinstance(form, Dictionary) and form.get("/NeedAppearances") is True and not undrawn:
        form.NeedAppearances = False
        notes.append(_("the form's fields are shown as drawn (NeedAppearances cleared)"))
    return notes, reasons

