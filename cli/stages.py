"""The stages of a run, wired from the configuration (shared by `trams run` and `trams demo`).

Only this layer may import both trams.scanning and trams.signing; trams.pipeline composes
them through the protocols it defines.
"""

from __future__ import annotations

from pathlib import Path

from trams.scanning.stage import ScanningRecognizer
from trams.signing.keys import resolve_secret, secret_label
from trams.signing.stage import PipelineVerifier, open_pipeline_signer, profile_sources

from trams.config import TramsConfig
from trams.pipeline import Stages, Verdict


class _LazyVerifier:
    """Reads the trust roots only when a document gets as far as verification."""

    def __init__(self, config: TramsConfig):
        self._config = config
        self._inner: PipelineVerifier | None = None

    def verify(self, pdf: Path) -> Verdict:
        if self._inner is None:
            self._inner = PipelineVerifier(self._config)
        return self._inner.verify(pdf)


def profile_secrets(config: TramsConfig) -> dict[str, str | None]:
    """The PIN or passphrase of each key the profile signs with: from the variable or file
    trams.toml names, else a hidden prompt on a terminal (refused without one)."""
    from trams.cli.commands.keys import prompt_secret

    return {role: resolve_secret(source, what=secret_label(source, role), prompt=prompt_secret)
            for role, source in profile_sources(config).items()}


def build_stages(config: TramsConfig, *, secrets: dict[str, str | None],
                 jobs: int | None = None) -> Stages:
    def open_signer():  # noqa: ANN202 - a context manager
        return open_pipeline_signer(config, secrets=secrets)

    return Stages(ScanningRecognizer.from_config(config, jobs=jobs), open_signer,
                  _LazyVerifier(config))
