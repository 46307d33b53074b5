"""`trams demo`: `trams run` on the bundled scans, with the demo PKI on 127.0.0.1; and
`trams demo --serve`: a trial site on one's own scans.

The demo is the same pipeline as `trams run`; only the configuration is made here: an
inbox ``OUT/inbox`` holding copies of the sample scans (not their ground-truth texts,
which a run would list as files it leaves alone; nothing is moved), the demo keys, TSA and
trust root, and an archive under ``OUT/archive``. The samples come from the installed package
(``trams.samples``), so the demo runs from a wheel in an empty folder as well as from a
source checkout.

:func:`serve_trial_site` keeps the demo PKI serving on 127.0.0.1 and writes a trial site
into a folder: the sample ``trams.toml`` (samples/trams.toml) with the key material, the
root certificate, the signature images, ``inbox/`` and ``archive/`` it names, and the
demo passphrase in a file (0600). While it serves, `trams doctor` passes on that site and
`trams run` signs. DEMO ONLY: the demo keys are public.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trams.app.secrets import profile_secrets
from trams.app.stages import build_stages
from trams.scanning.ingest import is_scan
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
from trams.errors import ExitCode
from trams.fs import atomic_write_bytes
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
        # the sample pages print the demo leader's block: TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH /
        # Nguyễn Văn Hùng, which is where the signature goes (no fixed box)
        signing=SigningConfig(profile="issued", level="B-LTA", leader=leader, agency=agency),
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
    scans = options.scans.resolve() if options.scans else _sample_inbox(out)
    with serve_demo_pki(out / "pki") as pki:
        config = demo_config(out, pki, scans=scans, jobs=options.jobs)
        stages = build_stages(config, secrets=profile_secrets(config))
        return run_batch(config, stages, sinks=sinks)


def _sample_inbox(out: Path) -> Path:
    """``OUT/inbox``: the bundled sample scans, scan files only, copied when missing or
    different (a rerun finds them archived and skips them)."""
    source = samples.folder() / "scans"
    inbox = out / "inbox"
    for scan in sorted(source.rglob("*")):
        target = inbox / scan.relative_to(source)
        if scan.is_file() and is_scan(scan) and (
                not target.is_file() or target.read_bytes() != scan.read_bytes()):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(scan, target)
    return inbox


DEFAULT_PORT = 8080  # the port samples/trams.toml names
SITE_FOLDERS = ("inbox", "archive", "certs", "images")


@dataclass(frozen=True)
class ServeOptions:
    folder: Path = Path("trams-trial")
    port: int = DEFAULT_PORT


@dataclass(frozen=True)
class TrialSite:
    folder: Path
    config: Path  # the site's trams.toml
    url: str  # where the demo TSA, OCSP and CRL answer
    config_written: bool  # False: an existing, edited trams.toml was kept
    exit_code: ExitCode = ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "config": str(self.config), "url": self.url,
                "config_written": self.config_written}


def site_config(port: int = DEFAULT_PORT) -> str:
    """The trial site's trams.toml: samples/trams.toml, for the demo PKI on ``port``."""
    text = (samples.folder() / "trams.toml").read_text(encoding="utf-8")
    return text.replace(f"127.0.0.1:{DEFAULT_PORT}", f"127.0.0.1:{port}")


@contextmanager
def serve_trial_site(options: ServeOptions = ServeOptions()) -> Iterator[TrialSite]:
    """Serve the demo PKI on 127.0.0.1:``port`` and write a ready trial site into
    ``folder``; the services answer until the context ends."""
    folder = options.folder.resolve()
    with serve_demo_pki(folder / "pki", port=options.port) as pki:
        for name in SITE_FOLDERS:
            (folder / name).mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / "pki" / "passphrase.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)  # readable by this user only, from the start
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(DEMO_PASSPHRASE)
        shutil.copyfile(pki.root_pem, folder / "certs" / "demo-root.cert.pem")
        for image in ("leader-signature.png", "agency-seal.png"):
            shutil.copyfile(samples.folder() / "images" / image, folder / "images" / image)
        config = folder / "trams.toml"
        text = site_config(options.port)
        written = not config.exists() or config.read_text(encoding="utf-8") == text
        if written:
            atomic_write_bytes(config, text.encode("utf-8"))
        yield TrialSite(folder, config, pki.url, written)
