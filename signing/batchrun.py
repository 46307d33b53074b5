"""Sign many files in one process: open each key source once, sign every file in order
(leader or officer first, then the agency), keep going past a bad file, report all.

This is what `trams sign` and the pipeline call; the CLI only gathers flags and secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from trams.signing.appearance import AppearanceOptions, require_config
from trams.signing.batch import SignerSession, SigningBatch, TsaSpec
from trams.signing.keys import require_source
from trams.signing.sign import SignResult, SignSpec, sign_document, sign_many
from trams.signing.trust import load_certificates

from trams.config import KeySourceConfig, TramsConfig
from trams.errors import ConfigError, InputError, TramsError
from trams.i18n import _

log = logging.getLogger(__name__)
PROFILE_ROLES = {"issued": ("leader", "agency"), "dossier": ("officer", "agency"),
                 "copy": ("agency",), "attachment": ("agency",)}


@dataclass(frozen=True)
class Failure:
    source: Path
    error: TramsError

    def to_dict(self) -> dict:
        return {"source": str(self.source), "error": type(self.error).__name__,
                "exit_code": int(self.error.exit_code), "message": self.error.one_line()}


@dataclass
class BatchReport:
    results: list[SignResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"signed": [r.to_dict() for r in self.results],
                "failed": [f.to_dict() for f in self.failures], "warnings": self.warnings}


def build_specs(config: TramsConfig, *, profile: str, level: str, roles: Sequence[str],
                tsa: TsaSpec, sources: dict[str, KeySourceConfig],
                doc_number: str | None = None, copy_type: str | None = None,
                agency_name: str | None = None) -> list[SignSpec]:
    """One SignSpec per role, appearance options from the key sources and config."""
    allowed = PROFILE_ROLES[profile]
    for role in roles:
        if role not in allowed:
            raise ConfigError(_("the {profile} profile has no {role} signature",
                                profile=profile, role=role),
                              hint=_("issued: leader then agency; dossier: officer then "
                                     "agency; copy and attachment: agency only."))
    specs = []
    for role in [r for r in allowed if r in roles]:
        source = sources[role]
        options = AppearanceOptions(
            image=source.image, image_width_mm=source.image_width_mm, title=source.title,
            signature_box=config.signing.signature_box if role == "leader" else None,
            agency_name=agency_name or config.agency.name or None,
            copy_type=copy_type or config.signing.copy_type, doc_number=doc_number)
        require_config(profile, role, options)
        specs.append(SignSpec(role=role, profile=profile, level=level,  # type: ignore[arg-type]
                              appearance=options, tsa=tsa))
    return specs


class BatchSigner:
    """Key sources opened once, the TSA reached once: sign one document at a time.

    Made by :func:`open_batch_signer`; ``sign(src, dst)`` applies every step (leader or
    officer first, then the agency) and writes ``dst`` atomically.
    """

    def __init__(self, steps: list[tuple[SignSpec, SignerSession]], warnings: list[str]):
        self.steps = steps
        self.warnings = warnings

    def sign(self, src: Path, dst: Path) -> SignResult:
        return sign_document(src, dst, steps=self.steps)

    def sign_many(self, jobs: Sequence[tuple[Path, Path]], *, concurrency: int = 4,
                  on_done: Callable[[Path, SignResult | TramsError], None] | None = None
                  ) -> list[SignResult | TramsError]:
        return sign_many(jobs, steps=self.steps, concurrency=concurrency, on_done=on_done)


@contextmanager
def open_batch_signer(config: TramsConfig, *, specs: Sequence[SignSpec],
                      sources: dict[str, KeySourceConfig], secrets: dict[str, str | None],
                      extra_roots: Sequence[Path] = ()) -> Iterator[BatchSigner]:
    """Open every key source of ``specs`` once and reach the TSA once, for a whole batch.

    Key, certificate and network problems raise here, before any document is touched.
    """
    roots = load_certificates([*config.trust.roots, *extra_roots])
    if not roots:
        raise ConfigError(_("no trust root is configured"),
                          hint=_("Set [trust] roots in trams.toml or give --trust FILE."))
    intermediates = load_certificates(config.trust.intermediates)
    with SigningBatch(trust_roots=roots, intermediates=intermediates,
                      on_certificate_problem=config.signing.on_certificate_problem) as batch, \
            ExitStack() as stack:
        sessions = {}
        warnings: list[str] = []
        for spec in specs:
            source = require_source(sources.get(spec.role), spec.role)
            sessions[spec.role] = stack.enter_context(
                batch.open_signer(source, secret=secrets.get(spec.role)))
            warnings.extend(sessions[spec.role].warnings)
        if any(s.needs_timestamp for s in specs):
            batch.ensure_timestamper(specs[0].tsa)
        yield BatchSigner([(spec, sessions[spec.role]) for spec in specs], warnings)


def sign_files(inputs: Sequence[Path], outdir: Path, *, config: TramsConfig,
               specs: Sequence[SignSpec], sources: dict[str, KeySourceConfig],
               secrets: dict[str, str | None], extra_roots: Sequence[Path] = (),
               on_progress: Callable[[SignResult | Failure], None] | None = None,
               concurrency: int = 4) -> BatchReport:
    """Open the key sources once, then sign each input into ``outdir`` (same file name)."""
    report = BatchReport()
    with open_batch_signer(config, specs=specs, sources=sources, secrets=secrets,
                           extra_roots=extra_roots) as signer:
        report.warnings.extend(signer.warnings)
        jobs = []
        for src in inputs:
            dst = outdir / Path(src).name
            if dst.resolve() == Path(src).resolve():
                _record(report, Path(src), InputError(
                    _("the output would overwrite the input"), path=src,
                    hint=_("Choose another output folder with -o.")), on_progress)
                continue
            jobs.append((Path(src), dst))
        signer.sign_many(jobs, concurrency=concurrency,
                         on_done=lambda src, item: _record(report, src, item, on_progress))
    return report


def _record(report: BatchReport, src: Path, item: SignResult | TramsError,
            on_progress: Callable[[SignResult | Failure], None] | None) -> None:
    if isinstance(item, TramsError):
        failure = Failure(src, item)
        report.failures.append(failure)
        log.warning("%s", item.one_line())
        if on_progress:
            on_progress(failure)
        return
    report.results.append(item)
    if on_progress:
        on_progress(item)


__all__ = ["BatchReport", "BatchSigner", "Failure", "PROFILE_ROLES", "build_specs",
           "open_batch_signer", "sign_files"]
