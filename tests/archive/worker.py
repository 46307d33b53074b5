"""Child process for crash tests: archive the documents of a spec file, in order.

    python worker.py SPEC.json

SPEC: {"root": ..., "agency": ..., "docs": [{"record": {...}, "sequence": n, "pdf": path,
"sidecar": text|null}]}. ``TRAMS_FAULT`` (set by the test) kills it at a point. Exit code 0
when every document was archived (or was already there), 13 when the archive is busy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from trams.archive import Archive
from trams.errors import TramsError
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.models import PageQuality, QualityReport, SignatureRecord, SourcePage

SIGNATURES = (SignatureRecord(field="Agency", signer="CN=UBND", indication="TOTAL_PASSED"),)
QUALITY = QualityReport(document="scan.tif", verdict="ok", pages=(
    (SourcePage(Path("scan.tif")), PageQuality(dpi=300, mean_confidence=80.0)),))


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    try:
        with Archive.open(spec["root"], agency_code=spec["agency"]) as archive:
            for doc in spec["docs"]:
                record = RecordMetadata.model_validate(doc["record"])
                pdf = Path(doc["pdf"])
                source = doc["source"]
                if archive.is_done(source):
                    continue
                archive.add_document(
                    record, DocumentMetadata(sequence=doc["sequence"]), pdf,
                    source_hash=source, page_count=1,
                    signatures=SIGNATURES, quality=QUALITY,
                    sidecar_text=doc.get("sidecar"))
    except TramsError as exc:
        print(exc.one_line(), file=sys.stderr)
        return int(exc.exit_code)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
