"""`trams demo`: `trams run` on the bundled scans, with the demo PKI on 127.0.0.1.

The same pipeline as `trams run` (trams.pipeline with the scanning and signing stages);
only the configuration is made here: the samples as a read-only inbox (nothing is moved),
the demo keys, TSA and trust root, and an archive under ``OUT/archive``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from trams.cli.stages import build_stages, profile_secrets
from trams.signing.demo_pki import DEMO_PASSPHRASE, serve_demo_pki

from trams.config import (
    AgencyConfig,
    ArchiveConfig,
    InboxConfig,
    KeySourceConfig,
    MetadataConfig,
    SigningConfig,
    TramsConfig,
    TrustConfig,
    TsaConfig,
)
from trams.pipeline import RunSummary, run_batch
from trams.pipeline.events import Sink

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
AGENCY = "UBND xã Trà My"
AGENCY_CODE = "H42.01"
SECRET_ENV = "TRAMS_DEMO_PASSPHRASE"  # demo-only passphrase, passed like a real secret


def demo_config(out: Path, pki, *, scans: Path, jobs: int | None = None) -> TramsConfig:
    images = SAMPLES / "images"
    leader = KeySourceConfig(kind="pkcs12", path=pki.p12("leader"), secret_env=SECRET_ENV,
                             image=images / "leader-signature.png", title="CHỦ TỊCH")
    agency = KeySourceConfig(kind="pkcs12", path=pki.p12("agency"), secret_env=SECRET_ENV,
                             image=images / "agency-seal.png", image_width_mm=36)
    return TramsConfig(
        agency=AgencyConfig(name=AGENCY, code=AGENCY_CODE),
        inbox=InboxConfig(path=scans, grouping="folder", move_done=False, move_failed=False),
        signing=SigningConfig(profile="issued", level="B-LT", leader=leader, agency=agency,
                              # the sample pages carry no signer's name line: fixed box
                              signature_box=(340.0, 60.0, 500.0, 140.0)),
        tsa=TsaConfig(urls=[pki.tsa_url()]),
        trust=TrustConfig(roots=[pki.root_pem]),
        metadata=MetadataConfig(title="Hồ sơ mẫu {name}", subject="Tài liệu số hóa mẫu {name}"),
        archive=ArchiveConfig(path=out / "archive"),
        jobs=jobs or os.cpu_count() or 1,
    )


def run_demo(out: Path, *, scans: Path | None = None, jobs: int | None = None,
             sinks: Sequence[Sink] = ()) -> RunSummary:
    out = out.resolve()
    os.environ[SECRET_ENV] = DEMO_PASSPHRASE
    with serve_demo_pki(out / "pki") as pki:
        config = demo_config(out, pki, scans=(scans or SAMPLES / "scans").resolve(), jobs=jobs)
        stages = build_stages(config, secrets=profile_secrets(config))
        return run_batch(config, stages, sinks=sinks)
