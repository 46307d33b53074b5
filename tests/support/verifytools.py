"""Independent checks of signed outputs: poppler's pdfsig, OpenSSL over the byte ranges,
and pyHanko's validator with the demo root (online or offline)."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from trams.signing.trust import load_certificates


def pdfsig(path: Path) -> list[dict[str, str]]:
    proc = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    blocks = re.split(r"^Signature #\d+:", proc.stdout, flags=re.M)[1:]
    out = []
    for block in blocks:
        fields = dict(re.findall(r"^[ \t]*- ([^:\n]+): (.*)$", block, flags=re.M))
        fields["_total"] = "Total document signed" in block
        out.append(fields)
    return out


def openssl_verify(path: Path, workdir: Path) -> int:
    """Verify each (non-timestamp) signature's CMS over its byte ranges; returns how many."""
    data = path.read_bytes()
    reader = PdfFileReader(BytesIO(data))
    done = 0
    for n, sig in enumerate(reader.embedded_regular_signatures):
        ranges = list(sig.byte_range)
        signed = b"".join(data[ranges[i]:ranges[i] + ranges[i + 1]]
                          for i in range(0, len(ranges), 2))
        content = workdir / f"sig{n}.bin"
        der = workdir / f"sig{n}.der"
        content.write_bytes(signed)
        der.write_bytes(cms.ContentInfo({"content_type": "signed_data",
                                         "content": sig.signed_data}).dump())
        proc = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER",
                               "-in", str(der), "-content", str(content), "-noverify",
                               "-out", "/dev/null"], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "Verification successful" in proc.stderr
        done += 1
    return done


def pyhanko_statuses(path: Path, root_pem: Path, *, offline: bool = False,
                     ltv: bool = False):
    roots = load_certificates([root_pem])
    reader = PdfFileReader(BytesIO(path.read_bytes()))
    statuses = []
    for sig in reader.embedded_regular_signatures:
        if ltv:
            # offline, revocation REQUIRED, everything from the document's DSS
            vc = DocumentSecurityStore.read_dss(reader).as_validation_context(
                {"trust_roots": roots, "allow_fetching": False,
                 "revocation_mode": "hard-fail"})
            status = validate_pdf_signature(sig, signer_validation_context=vc,
                                            ts_validation_context=vc)
        else:
            vc = ValidationContext(trust_roots=roots, allow_fetching=not offline)
            status = validate_pdf_signature(sig, signer_validation_context=vc)
        statuses.append((sig.field_name, status))
    return statuses
