"""The chain of `trams demo`: bundled scans -> OCR -> PDF/A -> leader + agency signatures
-> archive -> verification, with the demo PKI served on 127.0.0.1. No presentation here:
``run_demo`` reports progress through a callback and returns a summary dict.

It composes the library stages (trams.scanning, trams.pdf, trams.signing, trams.archive);
it lives in trams.cli because only this layer may import both scanning and signing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from trams.scanning import ScanOptions, check_engine, discover, recognize_documents
from trams.signing.batch import TsaSpec
from trams.signing.batchrun import build_specs, sign_files
from trams.signing.demo_pki import DEMO_PASSPHRASE, serve_demo_pki
from trams.signing.verify import VerifyContext, verify_file

from trams.archive import Archive
from trams.config import (
    AgencyConfig,
    ArchiveConfig,
    KeySourceConfig,
    SigningConfig,
    TramsConfig,
    TrustConfig,
    TsaConfig,
)
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.pdf.assemble import write_pdfa
from trams.pdf.report import quality_report

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
AGENCY = "UBND xã Trà My"
AGENCY_CODE = "H42.01"
SECRET_ENV = "TRAMS_DEMO_PASSPHRASE"  # demo-only passphrase, passed like a real secret


def source_hash(pages) -> str:
    digest = hashlib.sha256()
    for page in pages:
        digest.update(page.path.name.encode() + b"\0" + str(page.index).encode() + b"\0")
        digest.update(hashlib.sha256(page.path.read_bytes()).digest())
    return digest.hexdigest()


def demo_config(out: Path, pki) -> TramsConfig:
    images = SAMPLES / "images"
    leader = KeySourceConfig(kind="pkcs12", path=pki.p12("leader"), secret_env=SECRET_ENV,
                             image=images / "leader-signature.png", title="CHỦ TỊCH")
    agency = KeySourceConfig(kind="pkcs12", path=pki.p12("agency"), secret_env=SECRET_ENV,
                             image=images / "agency-seal.png", image_width_mm=36)
    return TramsConfig(
        agency=AgencyConfig(name=AGENCY, code=AGENCY_CODE),
        signing=SigningConfig(profile="issued", level="B-LT", leader=leader, agency=agency,
                              # the sample pages carry no signer's name line: fixed box
                              signature_box=(340.0, 60.0, 500.0, 140.0)),
        tsa=TsaConfig(urls=[pki.tsa_url()]),
        trust=TrustConfig(roots=[pki.root_pem]),
        archive=ArchiveConfig(path=out / "archive"),
        jobs=os.cpu_count() or 1,
    )


def run_demo(out: Path, *, scans: Path | None = None, jobs: int | None = None,
             progress: Callable[[str, dict], None] = lambda event, data: None) -> dict:
    out = out.resolve()
    scans = scans or SAMPLES / "scans"
    started = time.monotonic()
    timings = {"ocr": 0.0, "pdfa": 0.0, "sign": 0.0, "archive": 0.0, "verify": 0.0}
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ[SECRET_ENV] = DEMO_PASSPHRASE
    summary: dict = {"archive": str(out / "archive"), "documents": []}
    with serve_demo_pki(out / "pki") as pki:
        config = demo_config(out, pki)
        options = ScanOptions.from_trams_config(config)
        check_engine(options)
        found = discover(sorted(p for p in scans.iterdir() if p.is_dir()
                                and not p.name.startswith(".")), grouping="folder")
        summary["failures"] = [f.to_dict() for f in found.failures]
        year = date.today().year
        with Archive.open(config.archive.path, layout=config.archive.layout,
                          agency_code=AGENCY_CODE, organization=AGENCY) as archive:
            pending = []
            for doc in found.documents:
                digest = source_hash(doc.pages)
                if archive.is_done(digest):
                    summary["documents"].append({"name": doc.name, "status": "skipped"})
                    progress("skipped", {"name": doc.name})
                    continue
                pending.append((doc, digest))
            progress("start", {"documents": len(pending),
                               "pages": sum(len(d.pages) for d, _ in pending)})
            hashes = {d.name: h for d, h in pending}
            t0 = time.monotonic()
            recognized = []
            for result in recognize_documents([d for d, _ in pending], options,
                                              jobs=jobs or config.jobs, workdir=work):
                if hasattr(result, "error"):
                    summary["documents"].append({"name": result.source.name,
                                                 "status": "failed", "error": result.message})
                    progress("failed", {"name": result.source.name, "error": result.message})
                    continue
                recognized.append(result)
                progress("recognized", {"name": result.source.name, "pages": len(result.pages)})
            timings["ocr"] = time.monotonic() - t0
            plain = []
            for result in recognized:
                t0 = time.monotonic()
                stem = Path(result.source.name).name.replace(" ", "_")
                record = RecordMetadata(fileCode=f"{AGENCY_CODE}.{year}.{stem}",
                                        title=f"Hồ sơ mẫu {stem}", paperFileCode=stem)
                document = DocumentMetadata(sequence=1, organName=AGENCY,
                                            subject=f"Tài liệu số hóa mẫu {stem}",
                                            numberOfPage=len(result.pages))
                pdf = write_pdfa(result, record, document, work / "pdfa" / f"{stem}.pdf",
                                 level=config.pdfa.level)
                timings["pdfa"] += time.monotonic() - t0
                plain.append((result, record, document, pdf))
            t0 = time.monotonic()
            sources = {"leader": config.signing.leader, "agency": config.signing.agency}
            tsa = TsaSpec(urls=tuple(config.tsa.urls), timeout_seconds=config.tsa.timeout_seconds)
            specs = build_specs(config, profile="issued", level=config.signing.level,
                                roles=("leader", "agency"), tsa=tsa, sources=sources)
            report = sign_files([p.path for *_, p in plain], work / "signed", config=config,
                                specs=specs, sources=sources,
                                secrets={"leader": DEMO_PASSPHRASE, "agency": DEMO_PASSPHRASE})
            timings["sign"] = time.monotonic() - t0
            signed = {Path(r.source): r for r in report.results}
            for failure in report.failures:
                summary["documents"].append({"name": failure.source.name, "status": "failed",
                                             "error": failure.error.one_line()})
            ctx = VerifyContext.build(trust=[pki.root_pem], revocation="soft", policy="vn-dual",
                                      agency_name=AGENCY, agency_org=AGENCY)
            for result, record, document, pdf in plain:
                sig = signed.get(pdf.path)
                if sig is None:
                    continue
                t0 = time.monotonic()
                archived = archive.add_document(
                    record, document, sig.output, source_hash=hashes[result.source.name],
                    page_count=len(result.pages),
                    signatures=[s.to_dict() for s in sig.signatures],
                    quality=quality_report(result, pdf), verdict=result.verdict,
                    sidecar_text=result.text)
                timings["archive"] += time.monotonic() - t0
                t0 = time.monotonic()
                verdict = verify_file(archived.pdf, ctx)
                timings["verify"] += time.monotonic() - t0
                entry = {"name": result.source.name, "status": "archived",
                         "path": str(archived.pdf), "pages": len(result.pages),
                         "ocr_verdict": result.verdict, "verdict": verdict.verdict,
                         "policy_passed": verdict.summary().get("policy_passed")}
                summary["documents"].append(entry)
                progress("archived", entry)
    shutil.rmtree(work, ignore_errors=True)
    summary["timings"] = {k: round(v, 2) for k, v in timings.items()}
    summary["wall_seconds"] = round(time.monotonic() - started, 1)
    return summary
