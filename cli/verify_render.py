"""Renderers of verification results: text (rich), JSON, JSON lines, CSV, HTML.

Pure functions of FileReport objects; labels in the chosen language (``translate_to``).
"""

from __future__ import annotations

import csv
import html
import json
from typing import Any

from trams.app.verify import FileReport, SignatureReport, count_verdicts

from trams.i18n import N_, translate_to

SCHEMA_VERSION = 1  # of the verification report (signing/verify_schema.md)

L = {  # report labels (msgids)
    "file": N_("File"), "verdict": N_("Verdict"), "policy": N_("Policy"),
    "field": N_("Field"), "signer": N_("Signer"), "organization": N_("Organisation"),
    "serial": N_("Serial number"), "issuer": N_("Issuer"),
    "cert_serial": N_("Certificate serial"), "validity": N_("Certificate validity"),
    "claimed": N_("Claimed signing time"), "timestamp": N_("Timestamp"),
    "tsa": N_("Time-stamping authority"), "algorithms": N_("Algorithms"),
    "integrity": N_("Integrity"), "coverage": N_("Coverage"),
    "changes": N_("Changes after signing"), "docmdp": N_("DocMDP permission"),
    "trust": N_("Trust anchor"), "revocation": N_("Revocation"), "level": N_("PAdES level"),
    "indication": N_("Indication"), "warnings": N_("Warnings"), "problems": N_("Problems"),
    "title": N_("Signature verification report"), "generated": N_("Validation time"),
    "intact": N_("intact"), "broken": N_("broken"), "whole_file": N_("whole file"),
    "revision": N_("revision {k} of {n}"), "partial": N_("part of revision {k} of {n}"),
    "none": N_("none"), "allowed": N_("allowed"), "disallowed": N_("NOT ALLOWED"),
    "error": N_("Error"), "no_anchor": N_("no trusted anchor"),
    "passed_policy": N_("passed"), "failed_policy": N_("failed"),
    "summary": N_("{files} files: {passed} passed, {failed} failed, "
                  "{indeterminate} indeterminate, {errors} errors"),
}
VERDICT = {
    "TOTAL_PASSED": N_("TOTAL_PASSED (valid)"), "TOTAL_FAILED": N_("TOTAL_FAILED (invalid)"),
    "INDETERMINATE": N_("INDETERMINATE (cannot decide)"), "ERROR": N_("ERROR (not verified)"),
}
REVOCATION = {"good": N_("good"), "revoked": N_("revoked on {date}"),
              "unknown": N_("unknown"), "not_checked": N_("not checked"),
              "embedded": N_("embedded"), "fetched": N_("fetched")}


def t(lang: str, key: str, **params: object) -> str:
    return translate_to(lang, L[key], **params)


def payload(report: FileReport) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "kind": "verify.file", **report.to_dict()}


def render_json(reports: list[FileReport]) -> str:
    doc = {"schema_version": SCHEMA_VERSION, "kind": "verify",
           "summary": count_verdicts(reports), "files": [r.to_dict() for r in reports]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render_jsonl_line(report: FileReport) -> str:
    return json.dumps(payload(report), ensure_ascii=False) + "\n"


CSV_COLUMNS = ("path", "file_verdict", "policy", "policy_passed", "field_name", "index",
               "signer_cn", "signer_o", "signer_serial_number", "issuer", "cert_serial",
               "cert_valid_from", "cert_valid_to", "claimed_signing_time", "timestamp_time",
               "tsa", "digest_algorithm", "signature_algorithm", "key", "intact", "coverage",
               "revision", "revisions", "changes_after", "changes", "docmdp", "trust_anchor",
               "revocation_status", "revocation_source", "revoked_at", "level", "indication",
               "sub_indication", "warnings", "error")


def csv_rows(report: FileReport, lang: str = "en") -> list[dict[str, Any]]:
    """One row per signature (one row with the error, or without a signature, otherwise)."""
    base = {"path": report.path, "file_verdict": report.verdict,
            "policy": report.policy.name if report.policy else "",
            "policy_passed": report.policy.passed if report.policy else "",
            "error": report.error.text(lang) if report.error else ""}
    if not report.signatures:
        return [base]
    rows = []
    for s in report.signatures:
        d = s.to_dict()
        signer = d["signer"] or {}
        ts = d["timestamp"] or {}
        rows.append({**base, "field_name": s.field_name, "index": s.index,
                     "signer_cn": signer.get("common_name"), "signer_o": signer.get(
                         "organization"), "signer_serial_number": signer.get("serial_number"),
                     "issuer": signer.get("issuer"), "cert_serial": signer.get(
                         "certificate_serial"), "cert_valid_from": signer.get("valid_from"),
                     "cert_valid_to": signer.get("valid_to"),
                     "claimed_signing_time": d["claimed_signing_time"],
                     "timestamp_time": ts.get("time"), "tsa": ts.get("authority"),
                     "digest_algorithm": s.digest_algorithm,
                     "signature_algorithm": s.signature_algorithm, "key": s.key,
                     "intact": s.intact, "coverage": s.coverage, "revision": s.revision,
                     "revisions": s.revisions, "changes_after": s.changes_after,
                     "changes": "; ".join(n.text(lang) for n in s.changes),
                     "docmdp": s.docmdp, "trust_anchor": s.trust_anchor,
                     "revocation_status": s.revocation.status,
                     "revocation_source": s.revocation.source,
                     "revoked_at": d["revocation"]["revoked_at"], "level": s.level,
                     "indication": s.indication, "sub_indication": s.sub_indication,
                     "warnings": "; ".join(n.text(lang) for n in (*s.warnings, *s.problems))})
    return rows


def csv_writer(stream) -> csv.DictWriter:
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    return writer


def revocation_text(s: SignatureReport, lang: str) -> str:
    r = s.revocation
    text = translate_to(lang, REVOCATION[r.status],
                        date=r.revoked_at.isoformat() if r.revoked_at else "?")
    if r.source:
        text += f" ({translate_to(lang, REVOCATION[r.source])})"
    return text


def coverage_text(s: SignatureReport, lang: str) -> str:
    if s.coverage == "whole_file":
        return t(lang, "whole_file")
    return t(lang, s.coverage, k=s.revision, n=s.revisions)


def sig_rows(s: SignatureReport, lang: str) -> list[tuple[str, str]]:
    """Label/value pairs of one signature, in Circular 15/2025's order."""
    c = s.signer
    ts = s.timestamp
    changes = t(lang, s.changes_after)
    if s.changes:
        changes += ": " + "; ".join(n.text(lang) for n in s.changes)
    return [
        (t(lang, "field"), s.field_name),
        (t(lang, "signer"), (c.common_name or c.subject) if c else "?"),
        (t(lang, "organization"), (c.organization or "") if c else ""),
        (t(lang, "serial"), (c.serial_number or "") if c else ""),
        (t(lang, "issuer"), c.issuer if c else ""),
        (t(lang, "cert_serial"), c.cert_serial if c else ""),
        (t(lang, "validity"), f"{c.not_before.isoformat()} – {c.not_after.isoformat()}"
         if c else ""),
        (t(lang, "claimed"), s.claimed_signing_time.isoformat()
         if s.claimed_signing_time else ""),
        (t(lang, "timestamp"), ts.time.isoformat() if ts else ""),
        (t(lang, "tsa"), ts.authority if ts else ""),
        (t(lang, "algorithms"), f"{s.digest_algorithm} / {s.signature_algorithm} / {s.key}"),
        (t(lang, "integrity"), t(lang, "intact" if s.intact and s.crypto_valid else "broken")),
        (t(lang, "coverage"), coverage_text(s, lang)),
        (t(lang, "changes"), changes),
        (t(lang, "docmdp"), s.docmdp or ""),
        (t(lang, "trust"), s.trust_anchor or t(lang, "no_anchor")),
        (t(lang, "revocation"), revocation_text(s, lang)),
        (t(lang, "level"), s.level),
        (t(lang, "indication"), s.indication + (f" / {s.sub_indication}"
                                                if s.sub_indication else "")),
        (t(lang, "problems"), "; ".join(n.text(lang) for n in s.problems)),
        (t(lang, "warnings"), "; ".join(n.text(lang) for n in s.warnings)),
    ]


_CSS = """body{font-family:"Times New Roman",serif;margin:1.5cm;color:#000}
h1{font-size:16pt}h2{font-size:12pt;margin-top:1.2em;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.4em 0;page-break-inside:avoid}
th,td{border:1px solid #888;padding:3px 6px;text-align:left;vertical-align:top;font-size:10pt}
th{width:28%;background:#eee}.TOTAL_PASSED{color:#060}.TOTAL_FAILED,.ERROR{color:#a00}
.INDETERMINATE{color:#a60}@media print{body{margin:0}a{color:#000}}"""


def render_html(reports: list[FileReport], lang: str) -> str:
    e = html.escape
    parts = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
             f"<title>{e(t(lang, 'title'))}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(t(lang, 'title'))}</h1>",
             f"<p>{e(t(lang, 'summary', **count_verdicts(reports)))}</p>"]
    for r in reports:
        parts.append(f"<h2>{e(r.path)}</h2><table>")
        rows = [(t(lang, "verdict"), translate_to(lang, VERDICT[r.verdict]))]
        if r.validation_time:
            rows.append((t(lang, "generated"), r.validation_time.isoformat()))
        if r.policy:
            state = t(lang, "passed_policy" if r.policy.passed else "failed_policy")
            findings = "; ".join(n.text(lang) for n in r.policy.findings)
            rows.append((t(lang, "policy"), f"{r.policy.name}: {state}"
                         + (f" ({findings})" if findings else "")))
        if r.error:
            rows.append((t(lang, "error"), r.error.text(lang)))
        for label, value in rows:
            cls = f' class="{r.verdict}"' if label == t(lang, "verdict") else ""
            parts.append(f"<tr><th>{e(label)}</th><td{cls}>{e(value)}</td></tr>")
        parts.append("</table>")
        for s in r.signatures:
            parts.append("<table>")
            for label, value in sig_rows(s, lang):
                cls = f' class="{s.indication}"' if label == t(lang, "indication") else ""
                parts.append(f"<tr><th>{e(label)}</th><td{cls}>{e(value)}</td></tr>")
            parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
