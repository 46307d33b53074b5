"""`trams demo`: `trams run` on the bundled scans, with the demo PKI on 127.0.0.1.

The same pipeline as `trams run`; only the configuration is made here: the sample scans as
a read-only inbox (nothing is moved), the demo keys, TSA and trust root, and an archive
under ``OUT/archive``. The samples come from the installed package (``trams.samples``), so
the demo runs from a wheel in an empty folder as well as from a source checkout.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trams.app.secrets import profile_secrets
from trams.app.stages import build_stages
from trams.signing.demo_pki import DEMO_PASSPHRASE, DemoPki, serve_demo_pki

from trams import samples
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

AGENCY = "UBND xã Trà My"
AGENCY_CODE = "H42.01"
SECRET_ENV = "TRAMS_DEMO_PASSPHRASE"  # demo-only passphrase, passed like a real secret


@dataclass(frozen=True)
class DemoOptions:
    out: Path = Path("trams-demo")  # the demo PKI's material and the archive
    jobs: int | None = None  # OCR worker processes (default: all cores)
    scans: Path | None = None  # default: the bundled sample scans


def demo_config(out: Path, pki: DemoPki, *, scans: Path, jobs: int | None = None
                ) -> TramsConfig:
    images = samples.folder() / "images"
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


def demo(options: DemoOptions = DemoOptions(), *, sinks: Sequence[Sink] = ()) -> RunSummary:
    """The whole chain on the sample scans; safe to run again (archived ones are skipped)."""
    out = options.out.resolve()
    os.environ[SECRET_ENV] = DEMO_PASSPHRASE
    scans = (options.scans or samples.folder() / "scans").resolve()
    with serve_demo_pki(out / "pki") as pki:
        config = demo_config(out, pki, scans=scans, jobs=options.jobs)
        stages = build_stages(config, secrets=profile_secrets(config))
        return run_batch(config, stages, sinks=sinks)
