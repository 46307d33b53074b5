"""The stages of a run, wired from the configuration (for :mod:`trams.app.run` and
:mod:`trams.app.demo`): scanning recognizes, signing signs and verifies, and
:mod:`trams.pipeline` composes them through the protocols it defines. This is the only
place that joins trams.scanning and trams.signing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trams.scanning.stage import ScanningRecognizer
from trams.signing.batch import TsaSpec
from trams.signing.keys import profile_sources
from trams.signing.sign import DocumentSigner, build_specs, open_signer
from trams.signing.verify import VerifyContext, verify_file

from trams.config import TramsConfig
from trams.i18n import get_language
from trams.pipeline import Stages, Verdict
from trams.rules import LONG_TERM_LEVELS, PROFILES, TOTAL_PASSED


@contextmanager
def open_profile_signer(config: TramsConfig, *, secrets: dict[str, str | None]
                        ) -> Iterator[DocumentSigner]:
    """Every key of the configured profile opened once, the TSA reached once."""
    profile = config.signing.profile
    sources = profile_sources(config)
    specs = build_specs(config, profile=profile, level=config.signing.level,
                        roles=PROFILES[profile].roles, tsa=TsaSpec.from_config(config.tsa),
                        sources=sources)
    with open_signer(config, specs=specs, sources=sources, secrets=secrets) as signer:
        yield signer


class ProfileVerifier:
    """Verify a freshly signed document the way an auditor will (the profile's policy);
    at B-LT and B-LTA with the embedded validation data only. The trust roots are read
    when the first document gets as far as verification."""

    def __init__(self, config: TramsConfig):
        self.config = config
        self._context: VerifyContext | None = None

    @property
    def context(self) -> VerifyContext:
        if self._context is None:
            config = self.config
            # B-LT/B-LTA documents carry their revocation data: verifying them offline, with
            # that data required, proves they will verify for an auditor without the network
            # (and costs no fetch). Below B-LT the data is fetched, a silent server warns.
            offline = config.signing.level in LONG_TERM_LEVELS
            self._context = VerifyContext.build(
                trust=config.trust.roots, intermediates=config.trust.intermediates,
                revocation="hard" if offline else "soft", offline=offline,
                policy=PROFILES[config.signing.profile].policy,
                agency_name=config.agency.name or None,
                agency_org=config.agency.signer_organization)
        return self._context

    def verify(self, pdf: Path) -> Verdict:
        report = verify_file(pdf, self.context)
        policy_passed = report.policy is None or report.policy.passed
        passed = report.verdict == TOTAL_PASSED and policy_passed
        lang = get_language()
        detail = report.error.text(lang) if report.error else ""
        if not policy_passed:
            detail = "; ".join(n.text(lang) for n in report.policy.findings) or detail
        return Verdict(passed=passed, verdict=report.verdict, detail=detail)


def build_stages(config: TramsConfig, *, secrets: dict[str, str | None],
                 jobs: int | None = None) -> Stages:
    def open_run_signer():  # noqa: ANN202 - a context manager
        return open_profile_signer(config, secrets=secrets)

    return Stages(ScanningRecognizer.from_config(config, jobs=jobs), open_run_signer,
                  ProfileVerifier(config))
