"""Benchmark: dual-sign (leader then agency) B-LT of N one-page PDF/A files.

    python benchmarks/bench_signing.py [--docs 20] [--cli-docs 3] [--tsa fast|stock]

Compares, in the same run and against the same demo PKI (TSA, OCSP, CRL on 127.0.0.1):
1. TRAMS batch: key sources opened once, no trial signature, one ValidationContext (OCSP
   and CRLs fetched once), Decree 30 appearances (leader box found from the text layer),
   integrity of every signature checked before each file is written;
2. the naive pyHanko loop: per file, load the PKCS#12 and call ``signers.sign_pdf`` twice
   (fresh ValidationContext and timestamper each time, pyHanko's size estimate by trial
   signature, invisible signatures);
3. the ``pyhanko`` CLI: two ``pyhanko sign addsig`` processes per file (on --cli-docs
   files, reported per document).

The demo PKI runs in a separate process so its CPU does not count as ours. certomancer's
TSA/OCSP re-parse their RSA key for every response (~40-70 ms); ``--tsa fast`` (default)
caches the parsed key in that server process only, so a timestamp costs what a real TSA's
network round trip plus signature would; ``--tsa stock`` measures with certomancer as is.
Goal (issue 5): <= 150 ms per document and <= 0.25x the naive loop.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import peer  # noqa: E402  (also puts tests/ on the path: support.*)

SERVER = r"""
import sys, time, functools
from pathlib import Path
if sys.argv[2] == "fast":
    from cryptography.hazmat.primitives import serialization
    _load = serialization.load_der_private_key
    @functools.lru_cache(maxsize=64)
    def _cached(data, password=None, backend=None, **kw):
        return _load(data, password=password, **kw)
    serialization.load_der_private_key = _cached
from trams.signing.demo_pki import serve_demo_pki
with serve_demo_pki(Path(sys.argv[1])) as pki:
    print(pki.url, flush=True)
    sys.stdin.read()
"""


def make_inputs(folder: Path, count: int) -> list[Path]:
    """One-page PDF/A-2b-style scans: a 200 dpi grey page image + a Vietnamese text layer."""
    import random

    import pikepdf
    from PIL import Image, ImageFilter
    from support.pdfs import make_pdf

    base = make_pdf(folder / "base.pdf")
    rnd = random.Random(5)
    paths = []
    for n in range(count):
        img = Image.effect_noise((1654, 2339), 12 + n % 5).point(lambda v: 200 + v // 5)
        img = img.filter(ImageFilter.GaussianBlur(0.6))
        jpeg = io.BytesIO()
        img.save(jpeg, "JPEG", quality=60)
        with pikepdf.open(base) as pdf:
            page = pdf.pages[0]
            image = pikepdf.Stream(pdf, jpeg.getvalue())
            image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
            image.Width, image.Height = img.size
            image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
            image.Filter = pikepdf.Name.DCTDecode
            name = page.add_resource(image, pikepdf.Name.XObject, prefix="Scan")
            page.contents_add(pikepdf.Stream(
                pdf, f"q 595.28 0 0 841.89 0 0 cm {name} Do Q\n".encode()), prepend=True)
            path = folder / f"doc{n:02d}-{rnd.randrange(10**6):06d}.pdf"
            pdf.save(path)
        paths.append(path)
    return paths


class Pki:
    def __init__(self, folder: Path, mode: str):
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, str(folder), mode],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        self.folder = folder

    def tsa_url(self) -> str:
        return f"{self.url}/trams-demo/tsa/tsa"

    def p12(self, label: str) -> Path:
        return self.folder / f"{label}.p12"

    @property
    def root_pem(self) -> Path:
        return self.folder / "root.cert.pem"

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=20)


def run_trams(pki: Pki, inputs: list[Path], out: Path, concurrency: int = 4) -> float:
    from trams.signing.appearance import AppearanceOptions
    from trams.signing.batch import SigningBatch, TsaSpec
    from trams.signing.demo_pki import DEMO_PASSPHRASE
    from trams.signing.sign import SignSpec, sign_document, sign_many
    from trams.signing.trust import load_certificates

    from trams.config import KeySourceConfig

    images = ROOT / "samples" / "images"
    start = time.perf_counter()
    tsa = TsaSpec(urls=(pki.tsa_url(),))
    lead = SignSpec(role="leader", level="B-LT", tsa=tsa, appearance=AppearanceOptions(
        image=images / "leader-signature.png", title="CHỦ TỊCH"))
    agen = SignSpec(role="agency", level="B-LT", tsa=tsa, appearance=AppearanceOptions(
        image=images / "agency-seal.png", image_width_mm=36))
    with SigningBatch(trust_roots=load_certificates([pki.folder / "root.cert.pem"])) as batch, \
            batch.open_signer(KeySourceConfig(kind="pkcs12", path=pki.p12("leader")),
                              secret=DEMO_PASSPHRASE) as leader, \
            batch.open_signer(KeySourceConfig(kind="pkcs12", path=pki.p12("agency")),
                              secret=DEMO_PASSPHRASE) as agency:
        if concurrency == 1:
            for src in inputs:
                sign_document(src, out / src.name, steps=[(lead, leader), (agen, agency)])
        else:
            results = sign_many([(src, out / src.name) for src in inputs],
                                steps=[(lead, leader), (agen, agency)], concurrency=concurrency)
            assert all(not isinstance(r, Exception) for r in results), results
    return time.perf_counter() - start


def run_naive(pki: Pki, inputs: list[Path], out: Path) -> float:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko_certvalidator import ValidationContext
    from trams.signing.demo_pki import DEMO_PASSPHRASE
    from trams.signing.trust import load_certificates

    roots = load_certificates([pki.folder / "root.cert.pem"])
    start = time.perf_counter()
    for src in inputs:
        data = src.read_bytes()
        for role, field in (("leader", "Leader"), ("agency", "Agency")):
            signer = signers.SimpleSigner.load_pkcs12(str(pki.p12(role)),
                                                      passphrase=DEMO_PASSPHRASE.encode())
            vc = ValidationContext(trust_roots=roots, allow_fetching=True)
            meta = signers.PdfSignatureMetadata(
                field_name=field, subfilter=SigSeedSubFilter.PADES,
                embed_validation_info=True, validation_context=vc)
            writer = IncrementalPdfFileWriter(io.BytesIO(data))
            data = signers.sign_pdf(writer, meta, signer=signer,
                                    timestamper=HTTPTimeStamper(pki.tsa_url())).getvalue()
        (out / src.name).write_bytes(data)
    return time.perf_counter() - start


def run_cli(pki: Pki, inputs: list[Path], out: Path) -> float:
    from trams.signing.demo_pki import DEMO_PASSPHRASE

    passfile = out / "pass.txt"
    passfile.write_text(DEMO_PASSPHRASE)
    exe = peer("pyhanko-cli") / "pyhanko"
    start = time.perf_counter()
    for src in inputs:
        mid = out / f"{src.stem}.leader.pdf"
        for role, field, a, b in (("leader", "Leader", src, mid),
                                  ("agency", "Agency", mid, out / src.name)):
            subprocess.run([str(exe), "sign", "addsig", "--field", field, "--use-pades",
                            "--timestamp-url", pki.tsa_url(), "--with-validation-info",
                            "--trust", str(pki.folder / "root.cert.pem"), "--trust-replace",
                            "pkcs12", "--passfile", str(passfile), str(a), str(b),
                            str(pki.p12(role))], check=True, capture_output=True,
                           env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--cli-docs", type=int, default=3)
    parser.add_argument("--tsa", choices=("fast", "stock"), default="fast")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trams-bench-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        inputs = make_inputs(tmp / "in", args.docs)
        size = statistics.mean(p.stat().st_size for p in inputs) / 1e6
        pki = Pki(tmp / "pki", args.tsa)
        try:
            results: dict[str, list[float]] = {"trams": [], "trams1": [], "naive": [],
                                               "cli": []}
            for r in range(args.rounds):
                for name, fn, docs in (("trams", run_trams, inputs),
                                       ("trams1", lambda p, i, o: run_trams(p, i, o, 1), inputs),
                                       ("naive", run_naive, inputs),
                                       ("cli", run_cli, inputs[:args.cli_docs])):
                    out = tmp / f"{name}{r}"
                    out.mkdir()
                    results[name].append(fn(pki, docs, out) / len(docs))
        finally:
            pki.close()
    per_doc = {k: min(v) * 1000 for k, v in results.items()}
    print(f"dual-sign B-LT, {args.docs} one-page PDF/A files ({size:.2f} MB each), "
          f"TSA={args.tsa}, best of {args.rounds} rounds")
    print(f"  trams batch     {per_doc['trams']:8.1f} ms/doc (4 documents in flight)")
    print(f"  trams 1-by-1    {per_doc['trams1']:8.1f} ms/doc (no overlap)")
    print(f"  naive pyHanko   {per_doc['naive']:8.1f} ms/doc")
    print(f"  pyhanko CLI     {per_doc['cli']:8.1f} ms/doc (on {args.cli_docs} docs)")
    print(f"  ratio trams/naive = {per_doc['trams'] / per_doc['naive']:.3f} (goal <= 0.25)")
    print(f"  ratio trams/cli   = {per_doc['trams'] / per_doc['cli']:.3f}")
    print(f"  ratio 1-by-1/naive = {per_doc['trams1'] / per_doc['naive']:.3f}")
    print(f"  goal <= 150 ms/doc: {'met' if per_doc['trams'] <= 150 else 'NOT met'}")


if __name__ == "__main__":
    main()
