# ruff: noqa: B008 - typer declares options as argument defaults
"""`trams sign INPUT... -o OUTDIR`: PAdES signatures as Decree 30/2020 prescribes.

Key sources, images and the TSA come from trams.toml ([signing.leader], [signing.agency],
[signing.officer], [tsa], [trust]) or flags. PINs and passphrases come from the variable or
file named in trams.toml, --<role>-secret-env NAME, or a hidden prompt: never argv.
Exit codes: 0 all signed; 5 some files failed; else the error's own code (7 key,
8 certificate refused, 9 TSA unreachable, 10 signing policy, 4 input).
"""

from __future__ import annotations

from pathlib import Path

import typer

from trams.errors import ExitCode, TramsError
from trams.i18n import _

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
PROFILES = ("issued", "copy", "attachment", "dossier")


def _box(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        parts = tuple(float(v) for v in value.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4:
        raise typer.BadParameter(_("expected four numbers x0,y0,x1,y1 in points"))
    return parts  # type: ignore[return-value]


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
        roles: list[str] = typer.Option([], "--role", metavar="leader|agency|officer",
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
                                                 help=_("Leader box on the last page, in "
                                                        "points (default: found from the "
                                                        "text).")),
        as_json: bool = typer.Option(False, "--json", help=_("JSON summary on stdout.")),
    ) -> None:
        from trams.cli.commands.common import config_from
        from trams.cli.commands.keys import prompt_secret, source_from_flags
        from trams.signing.batch import TsaSpec
        from trams.signing.keys import resolve_secret, secret_label


        config = config_from(ctx)
        if signature_box:
            config = config.model_copy(update={"signing": config.signing.model_copy(
                update={"signature_box": _box(signature_box)})})
        profile = profile or config.signing.profile
        level = level or config.signing.level
        if profile not in PROFILES:
            raise typer.BadParameter(_("unknown profile '{value}'", value=profile))
        if level not in LEVELS:
            raise typer.BadParameter(_("unknown level '{value}'", value=level))
        tsa = TsaSpec.from_config(config.tsa, urls=tsa_urls)
        if extend:
            _extend(inputs, outdir, config=config, tsa=tsa, trust=trust, as_json=as_json)
            return

        from trams.signing.batchrun import PROFILE_ROLES, build_specs, sign_files

        wanted = tuple(roles) or PROFILE_ROLES[profile]
        flags = {
            "leader": (leader_p12, leader_token, leader_secret_env),
            "agency": (agency_p12, agency_token, agency_secret_env),
            "officer": (officer_p12, officer_token, officer_secret_env),
        }
        sources, secrets = {}, {}
        for role in wanted:
            p12, token, secret_env = flags.get(role, (None, None, None))
            source = source_from_flags(config, role, p12=p12, token=token, module=module,
                                       secret_env=secret_env)
            if source is None:
                continue  # build_specs/sign_files say which source is missing
            sources[role] = source
            secrets[role] = resolve_secret(source, what=secret_label(source, role),
                                           prompt=prompt_secret)
        specs = build_specs(config, profile=profile, level=level, roles=wanted, tsa=tsa,
                            sources=sources, doc_number=doc_number, copy_type=copy_type)
        from trams.cli.render import error_console

        err = error_console()

        def progress(item) -> None:
            from trams.signing.batchrun import Failure

            if isinstance(item, Failure):
                err.print(_("failed: {message}", message=item.error.one_line()),
                          markup=False, style="red", soft_wrap=True)
            elif not as_json:
                err.print(_("signed: {path}", path=item.output), markup=False)

        report = sign_files(inputs, outdir, config=config, specs=specs, sources=sources,
                            secrets=secrets, extra_roots=trust, on_progress=progress)
        if as_json:
            from trams.cli.render import print_json

            print_json(report.to_dict(), kind="sign")
        else:
            from trams.cli.render import out_console

            out_console().print(_("{ok} signed, {failed} failed", ok=len(report.results),
                                  failed=len(report.failures)), markup=False)
        raise typer.Exit(int(_exit_code(report)))


def _exit_code(report) -> ExitCode | int:
    if not report.failures:
        return ExitCode.OK
    if not report.results and len({type(f.error) for f in report.failures}) == 1:
        return report.failures[0].error.exit_code
    return ExitCode.PARTIAL


def _extend(inputs, outdir, *, config, tsa, trust, as_json) -> None:
    from trams.signing.batch import SigningBatch
    from trams.signing.extend import extend_pdf
    from trams.signing.trust import load_certificates

    from trams.errors import ConfigError

    roots = load_certificates([*config.trust.roots, *trust])
    if not roots:
        raise ConfigError(_("no trust root is configured"),
                          hint=_("Set [trust] roots in trams.toml or give --trust FILE."))
    results, failures = [], []
    with SigningBatch(trust_roots=roots,
                      intermediates=load_certificates(config.trust.intermediates)) as batch:
        batch.ensure_timestamper(tsa)
        for src in inputs:
            try:
                results.append(extend_pdf(src, outdir / Path(src).name, batch=batch, tsa=tsa))
            except TramsError as exc:
                if exc.exit_code == ExitCode.NETWORK or len(inputs) == 1:
                    raise
                failures.append({"source": str(src), "message": exc.one_line(),
                                 "exit_code": int(exc.exit_code)})
    if as_json:
        from trams.cli.render import print_json

        print_json({"extended": [r.to_dict() for r in results], "failed": failures},
                   kind="sign-extend")
    else:
        from trams.cli.render import out_console

        out_console().print(_("{ok} extended, {failed} failed", ok=len(results),
                              failed=len(failures)), markup=False)
    raise typer.Exit(int(ExitCode.PARTIAL if failures else ExitCode.OK))


