"""Renderers of verification results: text (rich), JSON, JSON lines, CSV, HTML.

Pure functions of FileReport objects; labels in the chosen language (``translate_to``).
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from trams.app.verify import FileReport, SignatureReport, count_verdicts
from trams.cli.render import CsvOut

from trams.i18n import N_, translate_to
from trams.labels import name as label_name

SCHEMA_VERSION = 2  # of the verification report (signing/verify_schema.md)

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
    "summary": N_("Files: {files}; passed: {passed}; failed: {failed}; indeterminate: "
                  "{indeterminate}; unreadable: {errors}"),
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
               "sub_indication", "poe_kind", "poe_time", "warnings", "error")


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
                     "poe_kind": s.poe.kind, "poe_time": d["proof_of_existence"]["time"],
                     "warnings": "; ".join(n.text(lang) for n in (*s.warnings, *s.problems))})
    return rows


def csv_writer(stream) -> CsvOut:  # noqa: ANN001 - a text stream
    return CsvOut(stream, CSV_COLUMNS)


def revocation_text(s: SignatureReport, lang: str) -> str:
    r = s.revocation
    text = translate_to(lang, REVOCATION[r.status],
                        date=when(r.revoked_at, lang) if r.revoked_at else "?")
    if r.source:
        text += f" ({translate_to(lang, REVOCATION[r.source])})"
    return text


def coverage_text(s: SignatureReport, lang: str) -> str:
    if s.coverage == "whole_file":
        return t(lang, "whole_file")
    return t(lang, s.coverage, k=s.revision, n=s.revisions)


VN_TZ = timezone(timedelta(hours=7))
WORDS = {  # verdicts in words; the ETSI term is shown beside them
    "TOTAL_PASSED": N_("Valid"), "TOTAL_FAILED": N_("Invalid"),
    "INDETERMINATE": N_("Cannot be decided"), "ERROR": N_("Not verified"),
}
SUB_WORDS = {
    "HASH_FAILURE": N_("the signed content was changed"),
    "SIG_CRYPTO_FAILURE": N_("the signature value is wrong"),
    "FORMAT_FAILURE": N_("the signature is malformed"),
    "SIG_CONSTRAINTS_FAILURE": N_("changes after signing are not allowed or not known"),
    "REVOKED": N_("the certificate was revoked"),
    "REVOKED_NO_POE": N_("the certificate was revoked; no proof the signature is older"),
    "NO_CERTIFICATE_CHAIN_FOUND": N_("no path to a trusted root"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": N_("the certificate path could not be validated"),
    "OUT_OF_BOUNDS_NO_POE": N_("the certificate has expired and no timestamp proves an "
                               "earlier time"),
    "CRYPTO_CONSTRAINTS_FAILURE": N_("an algorithm is no longer accepted"),
    "NO_POE": N_("no proof of the signing time"),
    "TRY_LATER": N_("revocation status not available"),
}
H = {  # labels of the HTML report (msgids)
    "checked": N_("Checked"), "generated": N_("Report made"), "software": N_("Software"),
    "anchors": N_("Trust anchors"), "revocation_mode": N_("Revocation checking"),
    "validation_time": N_("Validation time"), "policy": N_("Policy"),
    "overview": N_("Overview"), "record": N_("Record code"), "title_col": N_("Title"),
    "signers": N_("Signers (in signing order)"),
    "time_of_check": N_("the time of checking"), "none": N_("none configured"),
    "hard": N_("required (hard)"), "soft": N_("checked where available (soft)"),
    "off": N_("not checked (off)"), "offline": N_("embedded data only (offline)"),
    "claimed": N_("Signing time claimed by the signer"),
    "ts_time": N_("Time of the signature timestamp"), "tsa": N_("Time-stamping authority"),
    "poe": N_("Proof of existence"), "poe_sig": N_("signature timestamp, {time}"),
    "poe_doc": N_("document timestamp '{field}', {time}"),
    "poe_none": N_("none: judged at the validation time"),
    "doc_ts": N_("Document timestamps"), "file_warnings": N_("File warnings"),
    "signature_n": N_("Signature {n}: {field}"), "sha256": N_("SHA-256 of the file"),
    "no_signature": N_("no signature found"), "unknown": N_("could not be analysed"),
    "time_format": N_("d MMMM yyyy, HH:mm:ss"),
}


def h(lang: str, key: str, **params: object) -> str:
    return translate_to(lang, H[key], **params)


def when(dt: datetime | None, lang: str) -> str:
    """A time in the report's language, in Vietnam time (+07:00)."""
    if dt is None:
        return ""

    local = dt.astimezone(VN_TZ)
    text = format_datetime(local, h(lang, "time_format"), locale=lang)
    return f"{text} (UTC+07:00)"


def verdict_words(indication: str, sub: str | None, lang: str) -> str:
    words = translate_to(lang, WORDS[indication])
    if sub and sub in SUB_WORDS:
        words += f": {translate_to(lang, SUB_WORDS[sub])}"
    return words + f" ({indication}" + (f" / {sub})" if sub else ")")


def changes_words(s: SignatureReport, lang: str) -> str:
    """The changes after the signature in words: none, allowed, NOT ALLOWED, or unknown
    (a later revision pyHanko could not analyse)."""
    return t(lang, s.changes_after) if s.changes_after != "unknown" else h(lang, "unknown")


def _intact(s: SignatureReport) -> bool:
    """Intact as the verdict says: pyHanko's hash and value checks, and what TRAMS finds
    before them (signed attributes that are not DER: HASH_FAILURE, with pyHanko's own
    checks passing)."""
    return s.intact and s.crypto_valid and s.sub_indication not in (
        "HASH_FAILURE", "SIG_CRYPTO_FAILURE")


def sig_rows(s: SignatureReport, lang: str) -> list[tuple[str, str]]:
    """Label/value pairs of one signature, in Circular 15/2025's order, only those with
    content."""
    c = s.signer
    ts = s.timestamp
    changes = changes_words(s, lang)
    if s.changes:
        changes += ": " + "; ".join(n.text(lang) for n in s.changes)
    if s.poe.kind == "signature_timestamp":
        poe = h(lang, "poe_sig", time=when(s.poe.time, lang))
    elif s.poe.kind == "document_timestamp":
        poe = h(lang, "poe_doc", field=s.poe.field_name, time=when(s.poe.time, lang))
    else:
        poe = h(lang, "poe_none")
    algorithms = " / ".join(x for x in (s.digest_algorithm, s.signature_algorithm, s.key) if x)
    rows = [
        (t(lang, "indication"), verdict_words(s.indication, s.sub_indication, lang)),
        (t(lang, "signer"), (c.common_name or c.subject) if c else ""),
        (t(lang, "organization"), (c.organization or "") if c else ""),
        (t(lang, "serial"), (c.serial_number or "") if c else ""),
        (t(lang, "issuer"), c.issuer if c else ""),
        (t(lang, "cert_serial"), c.cert_serial if c else ""),
        (t(lang, "validity"), f"{when(c.not_before, lang)} – {when(c.not_after, lang)}"
         if c else ""),
        (h(lang, "claimed"), when(s.claimed_signing_time, lang)),
        (h(lang, "ts_time"), when(ts.time, lang) if ts else ""),
        (h(lang, "tsa"), ts.authority if ts else ""),
        (h(lang, "poe"), poe if s.signer else ""),
        (t(lang, "algorithms"), algorithms),
        (t(lang, "integrity"), t(lang, "intact" if _intact(s) else "broken")
         if s.signer else ""),
        (t(lang, "coverage"), coverage_text(s, lang) if s.revision else ""),
        (t(lang, "changes"), changes if s.signer else ""),
        (t(lang, "docmdp"), s.docmdp or ""),
        (t(lang, "trust"), (s.trust_anchor or t(lang, "no_anchor")) if s.signer else ""),
        (t(lang, "revocation"), revocation_text(s, lang) if s.signer else ""),
        (t(lang, "level"), s.level),
    ]
    return [(label, value) for label, value in rows if value and value.strip()]


_CSS = """@page{size:A4;margin:16mm 14mm}
body{font-family:"Times New Roman","Liberation Serif",serif;font-size:11pt;color:#000;
margin:0 auto;max-width:182mm}
h1{font-size:17pt;margin:0 0 .3em}h2{font-size:13pt;margin:1em 0 .4em;word-break:break-all}
h3{font-size:11.5pt;margin:.9em 0 .3em}
table{border-collapse:collapse;width:100%;margin:.3em 0 .6em}
th,td{border:1px solid #777;padding:3px 6px;text-align:left;vertical-align:top;
font-size:10pt}
table.kv th{width:32%;background:#eee;font-weight:normal}
table.overview th{background:#ddd}
tr{break-inside:avoid}thead{display:table-header-group}
ul{margin:0;padding-left:1.2em}
.TOTAL_PASSED{color:#060;font-weight:bold}.TOTAL_FAILED,.ERROR{color:#a00;font-weight:bold}
.INDETERMINATE{color:#a60;font-weight:bold}
section.file{break-before:page}
.muted{color:#444}
@media print{a{color:#000;text-decoration:none}}"""


def _kv(rows, cls_for=None) -> str:
    e = html.escape
    out = ['<table class="kv">']
    for label, value in rows:
        cls = f' class="{cls_for[label]}"' if cls_for and label in cls_for else ""
        if isinstance(value, list | tuple):
            cell = "<ul>" + "".join(f"<li>{e(v)}</li>" for v in value) + "</ul>"
        else:
            cell = e(value)
        out.append(f"<tr><th>{e(label)}</th><td{cls}>{cell}</td></tr>")
    out.append("</table>")
    return "".join(out)


def render_html(reports: list[FileReport], lang: str, info=None) -> str:
    """The auditor's report: header, overview (one row per file), then one section per
    file (a new A4 page each) with only the rows that have content."""
    e = html.escape
    c = count_verdicts(reports)
    parts = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
             f"<title>{e(t(lang, 'title'))}</title><style>{_CSS}</style></head><body>",
             f"<header><h1>{e(t(lang, 'title'))}</h1>"]
    if info is not None:
        mode = h(lang, info.revocation) + (f"; {h(lang, 'offline')}" if info.offline else "")
        policy = label_name("policy", info.policy, lang) + (
            f" ({info.agency})" if info.agency else "")
        parts.append(_kv([
            (h(lang, "checked"), list(info.paths)),
            (h(lang, "generated"), when(info.generated, lang)),
            (h(lang, "software"), f"TRAMS {info.version}"),
            (h(lang, "anchors"), list(info.trust_anchors) or h(lang, "none")),
            (h(lang, "revocation_mode"), mode),
            (h(lang, "validation_time"), when(info.validation_time, lang)
             if info.validation_time else h(lang, "time_of_check")),
            (h(lang, "policy"), policy),
        ]))
    parts.append(f'<p class="summary">{e(t(lang, "summary", **c))}</p></header>')
    labels = info.labels if info is not None else {}
    parts.append(f'<section class="overview"><h2>{e(h(lang, "overview"))}</h2>'
                 '<table class="overview"><thead><tr><th>#</th>'
                 f"<th>{e(t(lang, 'file'))}</th><th>{e(h(lang, 'record'))}</th>"
                 f"<th>{e(h(lang, 'title_col'))}</th><th>{e(h(lang, 'signers'))}</th>"
                 f"<th>{e(t(lang, 'verdict'))}</th><th>{e(t(lang, 'policy'))}</th>"
                 "</tr></thead><tbody>")
    for n, r in enumerate(reports, 1):
        code, title = labels.get(r.path, (None, None))
        signers = "; ".join((s.signer.common_name or s.signer.subject) if s.signer
                            else s.field_name for s in r.signatures) or \
            h(lang, "no_signature")
        policy = t(lang, "passed_policy" if r.policy.passed else "failed_policy") \
            if r.policy else "–"
        parts.append(
            f'<tr><td>{n}</td><td><a href="#f{n}">{e(Path(r.path).name)}</a></td>'
            f"<td>{e(code or '–')}</td><td>{e(title or '–')}</td><td>{e(signers)}</td>"
            f'<td class="{r.verdict}">{e(translate_to(lang, WORDS[r.verdict]))} '
            f"({r.verdict})</td><td>{e(policy)}</td></tr>")
    parts.append("</tbody></table></section>")
    for n, r in enumerate(reports, 1):
        parts.append(f'<section class="file" id="f{n}"><h2>{n}. {e(r.path)}</h2>')
        code, title = labels.get(r.path, (None, None))
        rows = [(t(lang, "verdict"), verdict_words(r.verdict, None, lang))]
        if code:
            rows.append((h(lang, "record"), code))
        if title:
            rows.append((h(lang, "title_col"), title))
        if r.policy:
            state = t(lang, "passed_policy" if r.policy.passed else "failed_policy")
            findings = [n_.text(lang) for n_ in r.policy.findings]
            rows.append((t(lang, "policy"),
                         f"{label_name('policy', r.policy.name, lang)}: {state}"))
            if findings:
                rows.append((t(lang, "problems"), findings))
        if r.error:
            rows.append((t(lang, "error"), r.error.text(lang)))
        if r.warnings:
            rows.append((h(lang, "file_warnings"), [w.text(lang) for w in r.warnings]))
        if r.sha256:
            rows.append((h(lang, "sha256"), r.sha256))
        parts.append(_kv(rows, {t(lang, "verdict"): r.verdict}))
        for s in r.signatures:
            who = f" — {s.signer.common_name}" if s.signer and s.signer.common_name else ""
            parts.append(f"<h3>{e(h(lang, 'signature_n', n=s.index, field=s.field_name))}"
                         f"{e(who)}</h3>")
            rows = sig_rows(s, lang)
            if s.problems:
                rows.append((t(lang, "problems"), [p.text(lang) for p in s.problems]))
            if s.warnings:
                rows.append((t(lang, "warnings"), [w.text(lang) for w in s.warnings]))
            parts.append(_kv(rows, {t(lang, "indication"): s.indication}))
        if r.doc_timestamps:
            parts.append(f"<h3>{e(h(lang, 'doc_ts'))}</h3>")
            for d in r.doc_timestamps:
                rows = [(t(lang, "field"), d.field_name),
                        (t(lang, "indication"), verdict_words(d.indication, d.sub_indication,
                                                              lang))]
                if d.timestamp:
                    rows += [(t(lang, "timestamp"), when(d.timestamp.time, lang)),
                             (h(lang, "tsa"), d.timestamp.authority)]
                if d.problems:
                    rows.append((t(lang, "problems"), [p.text(lang) for p in d.problems]))
                if d.warnings:
                    rows.append((t(lang, "warnings"), [w.text(lang) for w in d.warnings]))
                parts.append(_kv(rows, {t(lang, "indication"): d.indication}))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "".join(parts)
