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
}


def for_run(error: TramsError) -> TramsError:
    """``error`` with the hint a run gives for its code (the same object)."""
    hint = RUN_HINTS.get(error.code)
    if hint is not None:
        error.hint = _(hint)
    return error
