# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams doctor`: parse -> :func:`trams.app.doctor.doctor` -> render the list of checks.

Exit codes: 0 when no check FAILs (warnings allowed); otherwise the exit code of the first
failing check in the order shown: 3 configuration (file, missing secret, inbox, trust roots),
6 Tesseract or its language data (here or on a cluster worker), 7 key or token, 8
certificate refused, 9 TSA/OCSP/CRL unreachable, 15 archive not writable or disk (nearly)
full, 16 the cluster's scheduler unreachable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text
from trams.cli.commands.cluster_option import cluster_option
from trams.cli.commands.common import FORMAT_HELP, JSON_HELP, output_format
from trams.cli.render import out_console, print_json

from trams.i18n import N_, _

if TYPE_CHECKING:
    from trams.app.doctor import DoctorReport

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.

# keyed by the values of trams.doctor.Status (a StrEnum: Status.OK == "ok")
STATUS_TEXT = {"ok": N_("OK"), "warn": N_("WARN"), "fail": N_("FAIL")}
STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red"}


def render_text(report: DoctorReport) -> None:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(_("status"), no_wrap=True)
    table.add_column(_("check"), no_wrap=True)
    table.add_column(_("result and fix"), overflow="fold")
    for check in report.checks:
        text = check.message
        if check.hint and check.status != "ok":
            text += "\n" + _("Fix: {hint}", hint=check.hint)
        table.add_row(Text(_(STATUS_TEXT[check.status]), style=STATUS_STYLE[check.status]),
                      Text(check.name), Text(text))
    out = out_console()
    out.print(table)
    counts = report.counts()
    out.print(_("OK: {ok}; warnings: {warn}; failed: {fail}", ok=counts["ok"],
                warn=counts["warn"], fail=counts["fail"]), markup=False)


def register(app: typer.Typer) -> None:
    @app.command("doctor", help=_(
        "Check the set-up described by trams.toml: Tesseract and its language data, inbox and "
        "archive folders, free disk, trust roots, each key source (secret, key, certificate "
        "checks), OCSP/CRL and time-stamping servers. Each check says OK, WARN or FAIL with "
        "a fix; with [cluster] or --cluster, the OCR cluster's scheduler, workers and their "
        "Tesseract. Exit code 0 when nothing fails, else the code of the first failing "
        "check (3 configuration, 6 Tesseract, 7 key, 8 certificate, 9 network, 15 storage, "
        "16 cluster). "
        "Secrets come only from the environment variable or file named in trams.toml."))
    def doctor(
        ctx: typer.Context,
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
        cluster: Annotated[str | None, cluster_option()] = None,  # noqa: UP007
    ) -> None:
        from trams.app.doctor import doctor as run_doctor

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"
        obj = ctx.find_root().obj or {}
        report = run_doctor(obj.get("config_path"), cluster=cluster)
        if as_json:
            print_json(report.to_dict(), kind="doctor")
        else:
            render_text(report)
        raise typer.Exit(int(report.exit_code))
