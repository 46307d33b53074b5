"""Signing and verification as stages of `trams run` (:mod:`trams.pipeline`).

The key sources of the configured profile are opened once and the TSA reached once for
the whole run (:func:`~trams.signing.batchrun.open_batch_signer`); each document is then
signed leader (or officer) first, agency last, and verified with the run's trust roots
before it is archived.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from trams.signing.batch import TsaSpec
from trams.signing.batchrun import PROFILE_ROLES, BatchSigner, build_specs, open_batch_signer
from trams.signing.keys import require_source
from trams.signing.verify import VerifyContext, verify_file
from trams.signing.verify_model import TOTAL_PASSED

from trams.config import KeySourceConfig, TramsConfig
from trams.i18n import get_language
from trams.pipeline import Verdict

# The verification policy that fits each signing profile.
PROFILE_POLICY = {"issued": "vn-dual", "dossier": "vn-dual", "copy": "copy",
                  "attachment": "copy"}


def profile_sources(config: TramsConfig) -> dict[str, KeySourceConfig]:
    """The key source of each role the configured profile signs with (ConfigError if one
    is missing)."""
    return {role: require_source(getattr(config.signing, role), role)
            for role in PROFILE_ROLES[config.signing.profile]}


class PipelineSigner:
    def __init__(self, signer: BatchSigner):
        self._signer = signer
        self.warnings = signer.warnings

    def sign(self, src: Path, dst: Path) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self._signer.sign(src, dst).signatures]


@contextmanager
def open_pipeline_signer(config: TramsConfig, *, secrets: dict[str, str | None]
                         ) -> Iterator[PipelineSigner]:
    profile = config.signing.profile
    sources = profile_sources(config)
    tsa = TsaSpec.from_config(config.tsa)
    specs = build_specs(config, profile=profile, level=config.signing.level,
                        roles=PROFILE_ROLES[profile], tsa=tsa, sources=sources)
    with open_batch_signer(config, specs=specs, sources=sources, secrets=secrets) as signer:
        yield PipelineSigner(signer)


class PipelineVerifier:
    """Verify a freshly signed document the way an auditor will (policy of the profile);
    at B-LT and B-LTA with the embedded validation data only."""

    def __init__(self, config: TramsConfig):
        # B-LT/B-LTA documents carry their revocation data: verifying them offline, with that
        # data required, proves they will verify for an auditor without the network (and
        # costs no fetch). Below B-LT the data is fetched, and a silent server is a warning.
        offline = config.signing.level in ("B-LT", "B-LTA")
        self.context = VerifyContext.build(
            trust=config.trust.roots, intermediates=config.trust.intermediates,
            revocation="hard" if offline else "soft", offline=offline,
            policy=PROFILE_POLICY[config.signing.profile],
            agency_name=config.agency.name or None,
            agency_org=config.agency.signer_organization)

    def verify(self, pdf: Path) -> Verdict:
        report = verify_file(pdf, self.context)
        summary = report.summary()
        passed = report.verdict == TOTAL_PASSED and summary.get("policy_passed") is not False
        lang = get_language()
        detail = report.error.text(lang) if report.error else ""
        if not passed and report.policy is not None and not report.policy.passed:
            detail = "; ".join(n.text(lang) for n in report.policy.findings) or detail
        return Verdict(passed=passed, verdict=report.verdict, detail=detail)
