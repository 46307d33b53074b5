# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams doctor`: check the set-up trams.toml describes and say what to fix.

The checks live in the libraries (trams.doctor: config and folders; trams.signing.doctor:
trust roots, keys, certificates, TSA, OCSP/CRL); Tesseract is checked through
trams.scanning. This module runs them in order and renders the list.

Exit codes: 0 when no check FAILs (warnings allowed); otherwise the exit code of the first
failing check in the order shown: 3 configuration (file, missing secret, inbox, trust roots),
6 Tesseract or its language data, 7 key or token, 8 certificate refused, 9 TSA/OCSP/CRL
unreachable, 15 archive not writable or disk (nearly) full.
"""

from __future__ import annotations

import typer

from trams.doctor import Check, Status
from trams.i18n import N_, _

STATUS_TEXT = {Status.OK: N_("OK"), Status.WARN: N_("WARN"), Status.FAIL: N_("FAIL")}
STATUS_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}


def _ocr_checks(config) -> list[Check]:  # noqa: ANN001 - TramsConfig
    """Tesseract present and recent enough; the configured languages (and osd) installed."""
    from trams.scanning import ScanOptions, check_engine, tesseract

    from trams.errors import DependencyError

    try:
        version = tesseract.version()
    except DependencyError as exc:
        return [Check.from_error("tesseract", exc)]
    checks = [Check.ok("tesseract", _("Tesseract {version}",
                                      version=".".join(map(str, version))))]
    options = ScanOptions.from_trams_config(config)
    try:
        check_engine(options)
    except DependencyError as exc:
        checks.append(Check.from_error("ocr.languages", exc))
    else:
        wanted = [lang for lang in options.languages.split("+") if lang]
        if options.rotate_pages:
            wanted.append("osd")
        checks.append(Check.ok("ocr.languages", _("language data installed: {languages}",
                                                  languages=", ".join(wanted))))
    return checks


def run_checks(config_path) -> list[Check]:  # noqa: ANN001 - Path | None
    from trams.signing.doctor import check_signing

    from trams.doctor import check_agency, check_config, check_folders
    from trams.errors import TramsError

    config_check, config = check_config(config_path)
    checks = [config_check]
    if config is None:
        return checks  # nothing else can be checked without a valid configuration
    checks.append(check_agency(config))
    checks += _ocr_checks(config)
    checks += check_folders(config)
    try:
        checks += check_signing(config)
    except TramsError as exc:  # a service of the batch itself could not start
        checks.append(Check.from_error("signing", exc))
    return checks


def render_text(checks: list[Check]) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text
    from trams.cli.render import out_console

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(_("status"), no_wrap=True)
    table.add_column(_("check"), no_wrap=True)
    table.add_column(_("result and fix"), overflow="fold")
    for check in checks:
        text = check.message
        if check.hint and check.status is not Status.OK:
            text += "\n" + _("Fix: {hint}", hint=check.hint)
        table.add_row(Text(_(STATUS_TEXT[check.status]), style=STATUS_STYLE[check.status]),
                      Text(check.name), Text(text))
    out = out_console()
    out.print(table)
    counts = {status: sum(1 for c in checks if c.status is status) for status in Status}
    out.print(_("{ok} OK, {warn} warnings, {fail} failed", ok=counts[Status.OK],
                warn=counts[Status.WARN], fail=counts[Status.FAIL]), markup=False)


def register(app: typer.Typer) -> None:
    @app.command("doctor", help=_(
        "Check the set-up described by trams.toml: Tesseract and its language data, inbox and "
        "archive folders, free disk, trust roots, each key source (secret, key, certificate "
        "checks), OCSP/CRL and time-stamping servers. Each check says OK, WARN or FAIL with "
        "a fix. Exit code 0 when nothing fails, else the code of the first failing check "
        "(3 configuration, 6 Tesseract, 7 key, 8 certificate, 9 network, 15 storage). "
        "Secrets come only from the environment variable or file named in trams.toml."))
    def doctor(
        ctx: typer.Context,
        as_json: bool = typer.Option(False, "--json", help=_("JSON on stdout.")),
    ) -> None:
        from trams.doctor import exit_code

        obj = ctx.find_root().obj or {}
        checks = run_checks(obj.get("config_path"))
        code = exit_code(checks)
        if as_json:
            from trams.cli.render import print_json

            print_json({"ok": code == 0, "exit_code": int(code),
                        "checks": [c.to_dict() for c in checks]}, kind="doctor")
        else:
            render_text(checks)
        raise typer.Exit(int(code))
