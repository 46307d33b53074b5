"""Facts about an existing PDF file (one written elsewhere, e.g. `trams archive add`)."""

from __future__ import annotations

from pathlib import Path

import pikepdf
from pikepdf import Dictionary

from trams.errors import InputError
from trams.formats import HEAD_BYTES, suffix_of
from trams.i18n import _

PDF_HEADER_WITHIN = 1024  # readers accept "%PDF-" anywhere in the first 1024 bytes


def foreign_format(head: bytes) -> str | None:
    """What a file starting with ``head`` is when it is no PDF: the name of a scan image's
    format ("PNG"), or "" for any other file; None for a PDF (a damaged one too)."""
    if b"%PDF-" in head[:PDF_HEADER_WITHIN]:
        return None
    image = suffix_of(head[:HEAD_BYTES])
    return image.lstrip(".").upper() if image else ""


def not_a_pdf(path: Path, head: bytes | None = None) -> InputError | None:
    """The refusal of a file that is no PDF at all (no ``%PDF-`` header where readers
    look), saying what it is when it is a scan image; None for a PDF, even a damaged
    one, and for a file that cannot be read (its reader says why). ``head``: the file's
    first bytes, when already read."""
    if head is None:
        try:
            with path.open("rb") as fh:
                head = fh.read(PDF_HEADER_WITHIN)
        except OSError:
            return None
    kind = foreign_format(head)
    if kind is None:
        return None
    if kind:
        return InputError(
            _("this is a scanned image ({format}), not a PDF", format=kind), path=path,
            hint=_("Make it a PDF/A first: `trams run`, or `trams ocr` then `trams sign`."),
            code="not_a_pdf")
    return InputError(_("the file is not a PDF"), path=path,
                      hint=_("Give the PDF file itself (a signed PDF, or the PDF/A made by "
                             "`trams ocr`)."), code="not_a_pdf")


def page_count(pdf: Path) -> int:
    """The number of pages (InputError when the file cannot be read as a PDF)."""
    if refusal := not_a_pdf(pdf):
        raise refusal
    try:
        with pikepdf.open(pdf) as doc:
            return len(doc.pages)
    except pikepdf.PasswordError:
        raise InputError(_("the PDF is encrypted with a password"), path=pdf,
                         hint=_("Remove the password (qpdf --decrypt --password=... in.pdf "
                                "out.pdf) and add the decrypted file."),
                         code="pdf_encrypted") from None
    except (pikepdf.PdfError, OSError) as exc:
        reason = str(exc).removeprefix(f"{pdf}: ").splitlines()[0] if str(exc) else "PDF"
        raise InputError(_("cannot read the file as a PDF ({reason})", reason=reason),
                         path=pdf, hint=_("Ask the sender for the file again."),
                         code="pdf_unreadable") from None


def attached_files(pdf: pikepdf.Pdf) -> tuple[str, ...]:
    """Names of the files embedded in the PDF: the document's attachments and those of
    file attachment annotations."""
    names: list[str] = []
    try:
        names += [str(name) for name in pdf.attachments]
    except (pikepdf.PdfError, ValueError, TypeError, KeyError, AttributeError):
        names.append("?")
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        for annot in annots if isinstance(annots, pikepdf.Array) else ():
            if isinstance(annot, Dictionary) and annot.get("/Subtype") == "/FileAttachment":
                spec = annot.get("/FS")
                name = spec.get("/UF", spec.get("/F", "?")) if isinstance(spec, Dictionary) \
                    else "?"
                names.append(str(name))
    return tuple(dict.fromkeys(names))


def attachments_refused(path: Path, names: tuple[str, ...]) -> InputError:
    """A PDF with attached files is not made PDF/A: PDF/A-1 forbids them, PDF/A-2 keeps
    only PDF/A ones (ISO 19005-2 6.8), which nothing here checks; and a scan's pages are
    rebuilt from their images, which would leave them behind without a word."""
    return InputError(
        _("the PDF carries attached files ({names}), which TRAMS does not carry into a PDF/A",
          names=", ".join(names[:3]) + (", ..." if len(names) > 3 else "")), path=path,
        hint=_("Save the attached files on their own, then give TRAMS the document without "
               "them."), code="pdf_has_attachments")
