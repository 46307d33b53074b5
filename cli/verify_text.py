"""Text (rich) rendering of verification results for people at a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from trams.app.verify import FileReport
from trams.cli.verify_render import (
    VERDICT,
    changes_words,
    coverage_text,
    revocation_text,
    t,
    verdict_words,
)

from trams import labels
from trams.i18n import translate_to

STYLE = {"TOTAL_PASSED": "green", "TOTAL_FAILED": "bold red", "INDETERMINATE": "yellow",
         "ERROR": "bold red"}


def print_report(console: Console, report: FileReport, lang: str) -> None:
    verdict = translate_to(lang, VERDICT[report.verdict])
    console.print(f"{report.path}: ", end="", markup=False, soft_wrap=True)
    console.print(verdict, style=STYLE[report.verdict], markup=False)
    if report.error:
        console.print(f"  {report.error.text(lang)}", markup=False)
        return
    for note in report.warnings:
        console.print(f"  {note.text(lang)}", markup=False)
    if report.policy:
        state = t(lang, "passed_policy" if report.policy.passed else "failed_policy")
        policy = labels.name("policy", report.policy.name, lang)
        console.print(f"  {t(lang, 'policy')}: {policy}: {state}", markup=False)
        for note in report.policy.findings:
            console.print(f"    - {note.text(lang)}", markup=False)
    if not report.signatures:
        return
    table = Table(show_lines=False, pad_edge=False)
    for key in ("field", "signer", "timestamp", "coverage", "changes", "revocation", "level",
                "indication"):
        table.add_column(t(lang, key), overflow="fold")
    for s in report.signatures:
        signer = s.signer.common_name if s.signer else "?"
        if s.signer and s.signer.organization and s.signer.organization != signer:
            signer += f" ({s.signer.organization})"
        changes = changes_words(s, lang)
        if s.changes_after == "disallowed":
            changes += ": " + "; ".join(n.text(lang) for n in s.changes)
        indication = labels.name("indication", s.indication, lang) + (
            f"\n{labels.name('sub_indication', s.sub_indication, lang)}"
            if s.sub_indication else "")
        stamp = s.timestamp.time.isoformat(timespec="seconds") if s.timestamp else ""
        table.add_row(s.field_name, signer, stamp,
                      coverage_text(s, lang), changes, revocation_text(s, lang), s.level,
                      f"[{STYLE[s.indication]}]{_esc(indication)}[/]")
    console.print(table)
    for s in report.signatures:
        for note in (*s.problems, *s.warnings):
            console.print(f"  {s.field_name}: {note.text(lang)}", markup=False)
    for d in report.doc_timestamps:
        if not d.passed:
            words = verdict_words(d.indication, d.sub_indication, lang)
            console.print(f"  {d.field_name}: {words}", markup=False)
            for note in d.problems:
                console.print(f"    - {note.text(lang)}", markup=False)


def _esc(text: str) -> str:
    return escape(text)


def print_summary(console: Console, counts: dict[str, int], lang: str) -> None:
    console.print(t(lang, "summary", **counts), markup=False)
