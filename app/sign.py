"""`trams sign`: PAdES signatures as Decree 30/2020 prescribes, and `--extend` (renewal).

Key sources, images and the TSA come from trams.toml, with command-line overrides
(:class:`KeyFlags`). PINs and passphrases come from the variable or file trams.toml (or
``secret_env``) names, else the injected prompter: never from options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trams.app.secrets import SecretPrompter, refuse_prompt, role_secrets
from trams.signing.batch import SigningBatch, TsaSpec
from trams.signing.extend import ExtendResult, extend_pdf
from trams.signing.sign import SignResult, build_specs, open_signer
from trams.signing.trust import load_certificates

from trams.config import KeySourceConfig, TramsConfig
from trams.errors import (
    ConfigError,
    ExitCode,
    InputError,
    TramsError,
    batch_exit_code,
    notice_dict,
)
from trams.i18n import _
from trams.rules import LEVELS, PROFILES, ROLES


@dataclass(frozen=True)
class KeyFlags:
    """A role's key source given on the command line instead of (or over) trams.toml."""

    p12: Path | None = None  # a PKCS#12 file
    token: str | None = None  # a PKCS#11 token label
    secret_env: str | None = None  # the variable holding its PIN or passphrase


@dataclass(frozen=True)
class SignOptions:
    inputs: tuple[Path, ...]
    outdir: Path
    profile: str | None = None  # default: [signing] profile
    level: str | None = None  # default: [signing] level
    roles: tuple[str, ...] = ()  # default: every role of the profile
    keys: dict[str, KeyFlags] = field(default_factory=dict)  # role -> overrides
    pkcs11_module: Path | None = None
    tsa_urls: tuple[str, ...] = ()  # replace [tsa] urls
    trust: tuple[Path, ...] = ()  # added to [trust] roots
    doc_number: str | None = None  # attachment profile
    copy_type: str | None = None  # copy profile
    # the leader's box on the last page of the one input, for a page TRAMS cannot read
    signature_box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class FileFailure:
    """A file that was not signed (or extended); the others went on."""

    source: Path
    error: TramsError

    def to_dict(self) -> dict[str, Any]:
        return {**self.error.to_dict(), "source": str(self.source)}


@dataclass
class SignReport:
    results: list[SignResult] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # certificate problems accepted

    @property
    def exit_code(self) -> ExitCode:
        return batch_exit_code(len(self.results), [f.error for f in self.failures])

    def to_dict(self) -> dict[str, Any]:
        return {"signed": [r.to_dict() for r in self.results],
                "failed": [f.to_dict() for f in self.failures],
                "warnings": [notice_dict(w) for w in self.warnings],
                "exit_code": int(self.exit_code)}


def key_source(config: TramsConfig, role: str, flags: KeyFlags = KeyFlags(), *,
               module: Path | None = None) -> KeySourceConfig | None:
    """The key source of ``role``: command-line flags over trams.toml ([signing.<role>])."""
    base: KeySourceConfig | None = getattr(config.signing, role, None)
    secret: dict[str, Any] = {}
    if flags.secret_env:
        secret = {"secret_env": flags.secret_env, "secret_file": None}
    if flags.p12 is not None:
        keep = {name: getattr(base, name) for name in ("chain", "image", "image_width_mm",
                                                        "title", "display_name", "secret_env",
                                                        "secret_file")
                } if base else {}
        return KeySourceConfig(**{**keep, "kind": "pkcs12", "path": flags.p12, **secret})
    if flags.token is not None:
        mod = module or (base.module if base else None)
        if mod is None:
            raise ConfigError(_("--pkcs11-module is needed with a token"),
                              hint=_("Give the token's PKCS#11 module (.so) with "
                                     "--pkcs11-module."), code="pkcs11_module_missing")
        fields = base.model_dump() if base and base.kind == "pkcs11" else {}
        fields.update(kind="pkcs11", module=mod, token_label=flags.token, **secret)
        return KeySourceConfig(**fields)
    if base is not None and secret:
        return base.model_copy(update=secret)
    return base


def sign_files(config: TramsConfig, options: SignOptions, *,
               prompter: SecretPrompter = refuse_prompt,
               on_progress: Callable[[SignResult | FileFailure], None] | None = None,
               concurrency: int = 4) -> SignReport:
    """Open the key sources once, then sign each input into ``options.outdir`` (same name),
    the leader (or desk officer) first, then the agency."""
    if options.signature_box and len(options.inputs) != 1:
        raise ConfigError(_("--signature-box places the signature on one document, and {n} "
                            "were given", n=len(options.inputs)),
                          hint=_("Sign that one file alone with --signature-box; the others "
                                 "find their signer block themselves."), code="signature_box_many")
    profile = options.profile or config.signing.profile
    level = options.level or config.signing.level
    if profile not in PROFILES:
        raise ConfigError(_("unknown profile '{value}'", value=profile),
                          hint=_("Use one of: {values}.", values=", ".join(PROFILES)),
                          code="profile_unknown")
    if level not in LEVELS:
        raise ConfigError(_("unknown level '{value}'", value=level),
                          hint=_("Use one of: {values}.", values=", ".join(LEVELS)),
                          code="level_unknown")
    for role in options.roles:
        if role not in ROLES:
            raise ConfigError(_("unknown role '{value}'", value=role),
                              hint=_("Use one of: {values}.", values=", ".join(ROLES)),
                              code="role_unknown")
    wanted = options.roles or PROFILES[profile].roles
    sources = {}
    for role in wanted:
        source = key_source(config, role, options.keys.get(role, KeyFlags()),
                            module=options.pkcs11_module)
        if source is not None:  # build_specs says which source is missing
            sources[role] = source
    secrets = role_secrets(sources, prompter)
    tsa = TsaSpec.from_config(config.tsa, urls=options.tsa_urls)
    specs = build_specs(config, profile=profile, level=level, roles=wanted, tsa=tsa,
                        sources=sources, doc_number=options.doc_number,
                        copy_type=options.copy_type, signature_box=options.signature_box)
    report = SignReport()

    def record(src: Path, item: SignResult | TramsError) -> None:
        done = FileFailure(src, item) if isinstance(item, TramsError) else item
        if isinstance(done, FileFailure):
            report.failures.append(done)
        else:
            report.results.append(done)
        if on_progress is not None:
            on_progress(done)

    with open_signer(config, specs=specs, sources=sources, secrets=secrets,
                     extra_roots=options.trust) as signer:
        report.warnings.extend(signer.warnings)
        jobs = []
        for src in options.inputs:
            dst = options.outdir / Path(src).name
            if dst.resolve() == Path(src).resolve():
                record(Path(src), InputError(
                    _("the output would overwrite the input"), path=src,
                    hint=_("Choose another output folder with -o."), code="output_is_input"))
                continue
            jobs.append((Path(src), dst))
        signer.sign_many(jobs, concurrency=concurrency, on_done=record)
    return report


@dataclass(frozen=True)
class ExtendOptions:
    inputs: tuple[Path, ...]
    outdir: Path
    tsa_urls: tuple[str, ...] = ()
    trust: tuple[Path, ...] = ()


@dataclass
class ExtendReport:
    results: list[ExtendResult] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        return batch_exit_code(len(self.results), [f.error for f in self.failures])

    def to_dict(self) -> dict[str, Any]:
        return {"extended": [r.to_dict() for r in self.results],
                "failed": [f.to_dict() for f in self.failures],
                "exit_code": int(self.exit_code)}


def extend_files(config: TramsConfig, options: ExtendOptions,
                 on_progress: Callable[[ExtendResult | FileFailure], None] | None = None
                 ) -> ExtendReport:
    """Add current validation data and a fresh document timestamp to signed files."""
    roots = load_certificates([*config.trust.roots, *options.trust])
    if not roots:
        raise ConfigError(_("no trust root is configured"),
                          hint=_("Set [trust] roots in trams.toml or give --trust FILE."),
                          code="trust_roots_missing")
    tsa = TsaSpec.from_config(config.tsa, urls=options.tsa_urls)
    report = ExtendReport()
    with SigningBatch(trust_roots=roots,
                      intermediates=load_certificates(config.trust.intermediates)) as batch:
        batch.ensure_timestamper(tsa)
        for src in options.inputs:
            try:
                done: ExtendResult | FileFailure = extend_pdf(
                    src, options.outdir / Path(src).name, batch=batch, tsa=tsa)
                report.results.append(done)
            except TramsError as exc:
                if not exc.per_document:
                    raise
                done = FileFailure(Path(src), exc)
                report.failures.append(done)
            if on_progress is not None:
                on_progress(done)
    return report
