"""One document's way from its recognized pages into the archive: PDF/A, signatures,
verification, the archive commit.

This runs in the run's own process, one document at a time, as soon as its pages are
recognized. Each step is timed under its stage and followed by a crash-test fault point
(``run.pdfa_written``, ``run.signed``, ``run.verified``, ``run.archived``); the run's
temporary PDFs are removed whatever happens. Reporting the outcome and settling the inbox
entry stay with the run (:mod:`.engine`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from trams import labels
from trams.archive import Archive, ArchivedDocument
from trams.config import TramsConfig
from trams.errors import SigningError, TramsError
from trams.faults import fault
from trams.i18n import _
from trams.models import BornDigitalDocument, RecognizedDocument
from trams.pdf.assemble import write_pdfa
from trams.pdf.report import quality_report
from trams.pipeline.plan import PlannedDocument
from trams.pipeline.stages import Signed, Signer, Verdict, Verifier


def finish_document(item: PlannedDocument, result: RecognizedDocument | BornDigitalDocument,
                    signer: Signer, work: Path, *, config: TramsConfig, archive: Archive,
                    verifier: Verifier, timed: Callable[[str], AbstractContextManager[None]]
                    ) -> tuple[ArchivedDocument, Signed, Verdict]:
    """Write ``item`` as PDF/A, sign it, verify it and add it to ``archive``; what the
    archive made of it, the signing (signatures, warnings) and the verdict. A signature
    that does not verify fails the document (SigningError, ``verification_failed``)."""
    assert item.record is not None and item.document is not None
    document = item.document.model_copy(update={"numberOfPage": result.page_count})
    with timed("pdfa"):
        pdf = write_pdfa(result, item.record, document, work / "pdfa" / f"{item.stem}.pdf",
                         level=config.pdfa.level, workdir=work)
    fault("run.pdfa_written")
    signed = work / "signed" / f"{item.stem}.pdf"
    try:
        with timed("sign"):
            try:
                signing = signer.sign(pdf.path, signed)
            except TramsError as exc:  # name the input, not the run's temporary PDF/A
                if exc.path == pdf.path:
                    exc.path = item.source.pages[0].path
                raise
        fault("run.signed")
        with timed("verify"):
            verdict = verifier.verify(signed)
        fault("run.verified")
        if not verdict.passed:
            raise SigningError(
                _("the signed document did not pass verification ({verdict}: {detail})",
                  verdict=labels.indication(verdict.verdict), detail=verdict.detail),
                path=item.source.pages[0].path,
                hint=_("Run `trams doctor` to check the keys, trust roots and "
                       "revocation servers."), code="verification_failed")
        with timed("archive"):
            archived = archive.add_document(
                item.record, document, signed, source_hash=item.hash,
                page_count=result.page_count, signatures=signing.signatures,
                quality=quality_report(result, pdf), verdict=verdict.verdict,
                sidecar_text=result.text if config.pdfa.sidecar else None,
                input_path=str(item.source.pages[0].path), index_text=result.text)
        fault("run.archived")
    finally:
        pdf.path.unlink(missing_ok=True)
        signed.unlink(missing_ok=True)
    return archived, signing, verdict
