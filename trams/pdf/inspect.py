"""Facts about an existing PDF file (one written elsewhere, e.g. `trams archive add`)."""

from __future__ import annotations

from pathlib import Path

import pikepdf

from trams.errors import InputError
from trams.i18n import _


def page_count(pdf: Path) -> int:
    """The number of pages (InputError when the file cannot be read as a PDF)."""
    try:
        with pikepdf.open(pdf) as doc:
            return len(doc.pages)
    except pikepdf.PasswordError:
        raise InputError(_("the PDF is encrypted with a password"), path=pdf,
                         hint=_("Remove the password (qpdf --decrypt --password=... in.pdf "
                                "out.pdf) and add the decrypted file."),
                         code="pdf_encrypted") from None
    except (pikepdf.PdfError, OSError) as exc:
        raise InputError(_("cannot read the file as a PDF ({reason})", reason=str(exc)),
                         path=pdf, code="pdf_unreadable") from None
