"""Hints in `trams run`'s words.

Scanning words its hints for `trams ocr`, whose user types options ("accept it with
--accept-low-dpi"). A run takes no such option: it is driven by trams.toml. So for the same
error code, a run's reason names the setting instead. Codes: docs/codes.md.
"""

from __future__ import annotations

from trams.errors import TramsError
from trams.i18n import N_, _

RUN_HINTS = {
    "dpi_too_low": N_("Scan it again at 300 dpi, or accept such pages with accept_low_dpi = "
                      "true under [inbox] in trams.toml (they are marked for review)."),
    "dpi_unknown": N_("Scan it again with a scanner that records the resolution, or set "
                      "default_dpi under [inbox] in trams.toml."),
    "no_signer_block": N_("Check the last page and its text (pdftotext -layout); for a page "
                          "TRAMS cannot read, give the box in the document's metadata "
                          "(signatureBox in the metadata file or on the cover sheet)."),
    "tsa_missing": N_("Set [tsa] urls in trams.toml (the address your CA gives)."),
    "trust_roots_missing": N_("Set [trust] roots in trams.toml."),
    "doc_number_missing": N_("An attachment is signed one document at a time with `trams sign "
                             "--doc-number`; choose another profile under [signing] for "
                             "`trams run`."),
}


def for_run(error: TramsError) -> TramsError:
    """``error`` with the hint a run gives for its code (the same object)."""
    hint = RUN_HINTS.get(error.code)
    if hint is not None:
        error.hint = _(hint)
    return error
