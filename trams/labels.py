"""The domain's identifiers as people read them, in their language.

Roles (``leader``), profiles (``issued``), policies (``vn-dual``), ETSI indications
(``TOTAL_PASSED``), OCR verdicts (``review``) are identifiers: JSON, trams.toml and the
options carry them as they are. A sentence shows them through these names, so that a
Vietnamese message never reads "khóa leader" or "TOTAL_PASSED (hợp lệ)". The names are
those of docs/glossary.md. An identifier without a name is shown as it is.
"""

from __future__ import annotations

from trams.i18n import N_, _, translate_to

ROLES = {"leader": N_("leader"), "agency": N_("agency"), "officer": N_("desk officer")}
PROFILES = {"issued": N_("issued document"), "dossier": N_("one-stop dossier"),
            "copy": N_("copy"), "attachment": N_("attachment")}
POLICIES = {"vn-dual": N_("leader and agency (vn-dual)"),
            "any": N_("every signature valid (any)"),
            "copy": N_("agency signature of a copy (copy)")}
# ETSI EN 319 102-1 main indications (and ERROR: a file that could not be read)
INDICATIONS = {"TOTAL_PASSED": N_("TOTAL_PASSED"), "TOTAL_FAILED": N_("TOTAL_FAILED"),
               "INDETERMINATE": N_("INDETERMINATE"), "ERROR": N_("ERROR (file unreadable)")}
# ETSI EN 319 102-1 sub-indications (the msgid is the ETSI name; a translation says it)
SUB_INDICATIONS = {
    "HASH_FAILURE": N_("HASH_FAILURE"), "SIG_CRYPTO_FAILURE": N_("SIG_CRYPTO_FAILURE"),
    "FORMAT_FAILURE": N_("FORMAT_FAILURE"),
    "SIG_CONSTRAINTS_FAILURE": N_("SIG_CONSTRAINTS_FAILURE"), "REVOKED": N_("REVOKED"),
    "REVOKED_NO_POE": N_("REVOKED_NO_POE"),
    "NO_CERTIFICATE_CHAIN_FOUND": N_("NO_CERTIFICATE_CHAIN_FOUND"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": N_("CERTIFICATE_CHAIN_GENERAL_FAILURE"),
    "OUT_OF_BOUNDS_NO_POE": N_("OUT_OF_BOUNDS_NO_POE"),
    "CRYPTO_CONSTRAINTS_FAILURE": N_("CRYPTO_CONSTRAINTS_FAILURE"), "NO_POE": N_("NO_POE"),
    "TRY_LATER": N_("TRY_LATER")}
OCR_VERDICTS = {"ok": N_("OCR ok"), "review": N_("OCR needs review"),
                "failed": N_("OCR failed")}
TABLES = {"role": ROLES, "profile": PROFILES, "policy": POLICIES, "indication": INDICATIONS,
          "sub_indication": SUB_INDICATIONS, "ocr_verdict": OCR_VERDICTS}


def name(kind: str, value: str | None, lang: str | None = None) -> str:
    """``value`` of kind ``kind`` (role, profile, policy, indication, ocr_verdict) in the
    current language (or ``lang``); an unknown value as it is."""
    msgid = TABLES[kind].get(value or "")
    if msgid is None:
        return value or "—"
    return _(msgid) if lang is None else translate_to(lang, msgid)


def role(value: str | None) -> str:
    return name("role", value)


def profile(value: str | None) -> str:
    return name("profile", value)


def indication(value: str | None) -> str:
    return name("indication", value)
