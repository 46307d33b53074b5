# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams sign INPUT... -o OUTDIR`: PAdES signatures as Decree 30/2020 prescribes.

Parse -> :func:`trams.app.sign.sign_files` (or ``extend_files`` with --extend) -> render.
PINs and passphrases come from the variable or file named in trams.toml, --<role>-secret-env
NAME, or a hidden prompt: never argv. Exit codes: 0 all signed; 5 some files failed; when
every file failed for one reason, that reason's code (7 key, 8 certificate refused, 9 TSA
unreachable, 10 signing policy, 4 input).
"""

from __future__ import annotations

from pathlib import Path

import typer
from trams.cli.commands.common import (
    FORMAT_HELP,
    JSON_HELP,
    choice,
    config_from,
    output_format,
    terminal_prompt,
)
from trams.cli.render import error_console, out_console, print_json

from trams.i18n import _
from trams.rules import LEVELS, PROFILES, ROLES

# start-up: every `trams` call loads all command modules (cli/root.py), so the app layer
# and heavy renderers are imported inside the command functions, not here.


def _box(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        from trams.metadata import parse_box  # pydantic only when the option is given

        return parse_box(value)  # the rule of a document's signatureBox
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def register(app: typer.Typer) -> None:
    @app.command("sign", help=_(
        "Sign PDF/A files: the leader (or desk officer) first, then the agency, with the "
        "appearance of the profile. Many files in one run; outputs go to OUTDIR."))
    def sign(
        ctx: typer.Context,
        inputs: list[Path] = typer.Argument(..., help=_("PDF files to sign.")),
        outdir: Path = typer.Option(..., "-o", "--output", help=_("Output folder.")),
        profile: str | None = typer.Option(None, "--profile", metavar="|".join(PROFILES),
                                           help=_("Appearance profile (default: trams.toml).")),
        level: str | None = typer.Option(None, "--level", metavar="|".join(LEVELS),
                                         help=_("PAdES level (default: trams.toml, B-LT).")),
        roles: list[str] = typer.Option([], "--role", metavar="|".join(ROLES),
                                        help=_("Sign only as this role (repeatable; default: "
                                               "every role of the profile).")),
        extend: bool = typer.Option(False, "--extend", help=_(
            "Add current validation data and a fresh document timestamp to signed files.")),
        leader_p12: Path | None = typer.Option(None, "--leader-p12", help=_(
            "Leader key: PKCS#12 file.")),
        agency_p12: Path | None = typer.Option(None, "--agency-p12", help=_(
            "Agency key: PKCS#12 file.")),
        officer_p12: Path | None = typer.Option(None, "--officer-p12", help=_(
            "Desk officer key: PKCS#12 file.")),
        leader_token: str | None = typer.Option(None, "--leader-token", help=_(
            "Leader key: PKCS#11 token label.")),
        agency_token: str | None = typer.Option(None, "--agency-token", help=_(
            "Agency key: PKCS#11 token label.")),
        officer_token: str | None = typer.Option(None, "--officer-token", help=_(
            "Desk officer key: PKCS#11 token label.")),
        module: Path | None = typer.Option(None, "--pkcs11-module", help=_(
            "PKCS#11 module (.so) for the tokens.")),
        leader_secret_env: str | None = typer.Option(None, "--leader-secret-env", metavar="NAME",
                                                     help=_("Variable holding the leader's "
                                                            "passphrase or PIN.")),
        agency_secret_env: str | None = typer.Option(None, "--agency-secret-env", metavar="NAME",
                                                     help=_("Variable holding the agency's "
                                                            "passphrase or PIN.")),
        officer_secret_env: str | None = typer.Option(None, "--officer-secret-env",
                                                      metavar="NAME", help=_(
                                                          "Variable holding the desk officer's "
                                                          "passphrase or PIN.")),
        tsa_urls: list[str] = typer.Option([], "--tsa", help=_(
            "Time-stamping server URL (repeatable, tried in order).")),
        trust: list[Path] = typer.Option([], "--trust", help=_(
            "Trust root certificate, PEM/DER file or folder (repeatable).")),
        doc_number: str | None = typer.Option(None, "--doc-number", help=_(
            "Number and notation of the document (attachment profile).")),
        copy_type: str | None = typer.Option(None, "--copy-type", metavar="SAO Y|SAO LỤC|"
                                             "TRÍCH SAO", help=_("Copy type (copy profile).")),
        signature_box: str | None = typer.Option(None, "--signature-box", metavar="x0,y0,x1,y1",
                                                 help=_("Leader box on the last page of the "
                                                        "one file given, in points (default: "
                                                        "the signer block on the page).")),
        quiet: bool = typer.Option(False, "--quiet", "-q", help=_(
            "Print only problems (no line per signed file, no summary).")),
        fmt: str | None = typer.Option(None, "--format", metavar="text|json",
                                       help=_(FORMAT_HELP)),
        as_json: bool = typer.Option(False, "--json", help=_(JSON_HELP)),
    ) -> None:
        from trams.app.sign import (
            ExtendOptions,
            FileFailure,
            KeyFlags,
            SignOptions,
            extend_files,
            sign_files,
        )

        as_json = output_format(fmt, as_json, ("text", "json")) == "json"

        choice(profile, PROFILES, "--profile")
        choice(level, LEVELS, "--level")
        for role in roles:
            choice(role, ROLES, "--role")
        config = config_from(ctx)
        err = error_console()

        def progress(item) -> None:  # noqa: ANN001 - a result or a FileFailure
            if isinstance(item, FileFailure):
                err.print(_("failed: {message}", message=f"{item.error.one_line()} "
                                                         f"[{item.error.code}]"),
                          markup=False, style="red", soft_wrap=True)
                return
            if not as_json and not quiet:
                err.print(_("signed: {path}", path=item.output), markup=False)
            for warning in getattr(item, "warnings", ()):
                if not as_json:
                    err.print("  " + _("warning: {reason}", reason=f"{warning} "
                                       f"[{getattr(warning, 'code', 'warning')}]"),
                              markup=False, style="yellow", soft_wrap=True)

        if extend:
            report = extend_files(config, ExtendOptions(
                inputs=tuple(inputs), outdir=outdir, tsa_urls=tuple(tsa_urls),
                trust=tuple(trust)), on_progress=progress)
            if as_json:
                print_json(report.to_dict(), kind="sign-extend")
            elif not quiet:
                out_console().print(_("{ok} extended, {failed} failed", ok=len(report.results),
                                      failed=len(report.failures)), markup=False)
            raise typer.Exit(int(report.exit_code))

        keys = {"leader": KeyFlags(leader_p12, leader_token, leader_secret_env),
                "agency": KeyFlags(agency_p12, agency_token, agency_secret_env),
                "officer": KeyFlags(officer_p12, officer_token, officer_secret_env)}
        report = sign_files(config, SignOptions(
            inputs=tuple(inputs), outdir=outdir, profile=profile, level=level,
            roles=tuple(roles), keys=keys, pkcs11_module=module, tsa_urls=tuple(tsa_urls),
            trust=tuple(trust), doc_number=doc_number, copy_type=copy_type,
            signature_box=_box(signature_box)), prompter=terminal_prompt, on_progress=progress)
        if as_json:
            print_json(report.to_dict(), kind="sign")
        elif not quiet:
            out_console().print(_("{ok} signed, {failed} failed", ok=len(report.results),
                                  failed=len(report.failures)), markup=False)
        raise typer.Exit(int(report.exit_code))
