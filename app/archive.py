"""`trams archive add | check | stats | search | show | report | reindex | rebuild`: the
archive's use cases.

Signature verification is wired here (trams.signing), so the core archive never imports
the signing package. Documents are verified with the policy of the configured profile,
as `trams run` verifies them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trams.app.verify import FileReport, verify_context, verify_file

from trams.archive import STATS_COLUMNS, Archive, ArchivedDocument, CheckReport
from trams.archive.check import damaged_state_report
from trams.archive.index import ReindexReport, reindex
from trams.archive.rebuild import RebuildReport, rebuild
from trams.archive.report import Report, ReportOptions, report
from trams.archive.search import SearchOptions, SearchReport, ShowReport, search, show
from trams.archive.state import DamagedStateError
from trams.config import TramsConfig
from trams.errors import ExitCode, TramsError, batch_exit_code, unexpected
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.metadata_io import load_metadata
from trams.models import SignatureRecord
from trams.pdf.inspect import page_count
from trams.rules import PROFILES, TOTAL_PASSED

log = logging.getLogger(__name__)


def open_archive(config: TramsConfig, folder: Path | None = None, *, writer: bool) -> Archive:
    """The archive of trams.toml (or ``folder``), locked for writing or shared for reading."""
    return Archive.open(folder or config.archive.path, layout=config.archive.layout,
                        agency_code=config.agency.code, organization=config.agency.name,
                        writer=writer)


def _verifier(config: TramsConfig, trust: tuple[Path, ...]):  # noqa: ANN202
    """PDF path -> FileReport, with the policy of the configured profile."""
    context = verify_context(config, trust=trust,
                             policy=PROFILES[config.signing.profile].policy)
    return lambda path: verify_file(path, context)


@dataclass(frozen=True)
class ArchiveAddOptions:
    pdfs: tuple[Path, ...]
    record: str  # the record code (fileCode)
    metadata: Path | None = None  # TOML, JSON or CSV (the format of `trams ocr --metadata`)
    archive: Path | None = None  # default: [archive] path
    force_unverified: bool = False  # archive files whose signatures do not pass
    trust: tuple[Path, ...] = ()


@dataclass(frozen=True)
class AddedFile:
    file: Path
    verdict: str  # the file's ETSI verdict
    status: str  # archived | unchanged | refused
    archived: dict[str, Any] | None = None  # trams.archive.ArchivedDocument.to_dict()
    error: TramsError | None = None  # refused for a reason other than its verdict

    def to_dict(self) -> dict[str, Any]:
        data = {"file": str(self.file), "verdict": self.verdict, "status": self.status,
                **(self.archived or {})}
        if self.error is not None:
            data["error"] = self.error.to_dict()
        return data


@dataclass
class ArchiveAddReport:
    files: list[AddedFile] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        refused = [f.error or ExitCode.VERIFY_FAILED for f in self.files
                   if f.status == "refused"]
        return batch_exit_code(len(self.files) - len(refused), refused)

    def to_dict(self) -> dict[str, Any]:
        return {"documents": [f.to_dict() for f in self.files],
                "exit_code": int(self.exit_code)}


def archive_add(config: TramsConfig, options: ArchiveAddOptions) -> ArchiveAddReport:
    """Archive already-signed PDFs under a record, each verified first (a file that does not
    pass is refused unless ``force_unverified``; it is then recorded with its verdict)."""
    meta = load_metadata(options.metadata, record_code=options.record) \
        if options.metadata else None
    record = meta.record if meta and meta.record else RecordMetadata(fileCode=options.record)
    verify = _verifier(config, options.trust)
    report = ArchiveAddReport()
    used: set[int] = set()
    with open_archive(config, options.archive, writer=True) as archive:
        for position, pdf in enumerate(options.pdfs):
            checked = verify(pdf)
            if checked.verdict != TOTAL_PASSED and not options.force_unverified:
                report.files.append(AddedFile(pdf, checked.verdict, "refused"))
                continue
            doc_record, document = (meta.for_document(pdf.name, position, used) if meta
                                    else None) or (record, None)
            try:
                done = _add_one(archive, pdf, checked, doc_record, document)
            except TramsError as exc:  # this file only (encrypted, not a PDF...)
                if not exc.per_document:
                    raise
                report.files.append(AddedFile(pdf, checked.verdict, "refused", error=exc))
                continue
            except Exception as exc:  # noqa: BLE001 - a library failing on this file
                log.debug("unexpected error archiving %s", pdf, exc_info=True)
                report.files.append(AddedFile(pdf, checked.verdict, "refused",
                                              error=unexpected(exc, path=pdf)))
                continue
            report.files.append(AddedFile(pdf, checked.verdict, done.status, done.to_dict()))
    return report


def _add_one(archive: Archive, pdf: Path, checked: FileReport, doc_record: RecordMetadata,
             document: DocumentMetadata | None) -> ArchivedDocument:
    """One verified file (``checked``: its report) into ``archive``."""
    pages = page_count(pdf)  # first: a file that is not a PDF stops here, nothing written
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    if document is None:
        seq = archive.find_sequence(doc_record, sha) or archive.next_sequence(doc_record)
        document = DocumentMetadata(sequence=seq)
    signatures = [SignatureRecord(field=s.field_name,
                                  signer=s.signer.subject if s.signer else "",
                                  signing_time=s.claimed_signing_time,
                                  level=s.level, indication=s.indication)
                  for s in checked.signatures]
    return archive.add_document(doc_record, document, pdf, source_hash=sha,
                                page_count=pages, signatures=signatures, quality=None,
                                verdict=checked.verdict, input_path=str(pdf))


def archive_check(config: TramsConfig, folder: Path | None = None, *, deep: bool = False,
                  trust: tuple[Path, ...] = ()) -> CheckReport:
    """Every file against its manifest, BagIt validity, the journal chain, files unknown to
    the state and the reverse; ``deep``: every signature verified too."""
    verifier = None
    if deep:
        verify = _verifier(config, trust)

        def verifier(path: Path) -> dict[str, Any]:
            return verify(path).summary()

    try:
        with open_archive(config, folder, writer=False) as archive:
            return archive.check(deep=deep, verifier=verifier)
    except DamagedStateError as exc:  # say what is wrong and how to rebuild: exit 14
        return damaged_state_report(folder or config.archive.path, exc)


@dataclass(frozen=True)
class StatsReport:
    by: str  # day | month | agency
    rows: list[dict[str, Any]]
    columns: tuple[str, ...] = STATS_COLUMNS
    exit_code: ExitCode = ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "rows": self.rows}


def archive_stats(config: TramsConfig, *, by: str = "month", folder: Path | None = None
                  ) -> StatsReport:
    """Documents, pages, signed, failed and OCR quality per day, month or agency."""
    with open_archive(config, folder, writer=False) as archive:
        return StatsReport(by, archive.stats(by=by))


# --- finding records again (search index in .trams/index) ---------------------------------
def archive_search(config: TramsConfig, options: SearchOptions, *,
                   folder: Path | None = None) -> SearchReport:
    """Ranked documents by text and metadata (read only; works on a read-only copy)."""
    return search(folder or config.archive.path, options)


def archive_show(config: TramsConfig, code: str, *, folder: Path | None = None) -> ShowReport:
    """One record (by its fileCode) or document (by its docCode)."""
    return show(folder or config.archive.path, code)


def archive_report(config: TramsConfig, options: ReportOptions, *,
                   folder: Path | None = None) -> Report:
    """The figures for the IOC and LRIC/GRIC reports, per month, agency or type."""
    return report(folder or config.archive.path, options)


def archive_reindex(config: TramsConfig, *, folder: Path | None = None) -> ReindexReport:
    """Rebuild the search index from the bags."""
    with open_archive(config, folder, writer=True) as archive:
        return reindex(archive)


def archive_rebuild(config: TramsConfig, *, folder: Path | None = None,
                    force: bool = False) -> RebuildReport:
    """Rebuild the state database (and the search index) from the bags, refusing, with a
    report, any bag that fails its manifests."""
    return rebuild(folder or config.archive.path, force=force)
