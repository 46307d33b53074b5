"""The archive: one writer at a time, crash-safe adds, recovery on open.

Adding a document is a small redo-logged transaction (``txid``):

1. state row ``staging``; the files are written into ``.trams/staging/<txid>/`` (same file
   system), made read-only (0444) and fsynced with their folder;
2. state row ``staged``: the commit point. From here on, a crash is rolled *forward*;
3. each file is hard-linked under its final name in the record's ``data/`` (``link`` never
   replaces an existing name), the folder fsynced;
4. the tag files (manifest, bag-info, tag manifest) are rewritten (see :mod:`.bag`);
5. a journal line is appended; 6. state row ``done`` (with the journal head); the staging
   folder is removed.

A crash before 2 is rolled *back* on the next open (the staging folder is deleted, the input
marked failed so the runner redoes it); after 2 the steps are redone, each one idempotent.
So after any crash and the next open every document is either fully archived or absent.
An error such as a full disk rolls back in-process (files unlinked, tags restored) and
raises :class:`~trams.errors.StorageError`.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from trams.archive import commit as txn
from trams.archive import index
from trams.archive.check import CheckReport
from trams.archive.check import check as check_archive
from trams.archive.journal import Head, Journal
from trams.archive.layout import (
    DEFAULT_LAYOUT,
    PAYLOAD_DIR,
    RECORD_JSON,
    STATE_DIR,
    Layout,
    versioned,
)
from trams.archive.records import (
    ArchivedDocument,
    KeptQuality,
    Verifier,
    content_key,
    document_json,
    record_json,
    record_key,
)
from trams.archive.state import State, diagnose_state, now
from trams.archive.stats import stats as archive_stats
from trams.errors import ArchiveBusyError, ArchiveError, ArchiveIntegrityError, StorageError
from trams.faults import fault
from trams.fs import sha256_file, storage_error
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.models import QualityReport, SignatureRecord
from trams.naming import record_stem

RESERVE_BYTES = 256 * 1024  # room kept free to undo an add on a full disk


class DamagedDocumentError(ArchiveIntegrityError):
    """An archived document's files are gone or changed: restore them from a backup."""

    code = "archived_file_damaged"


class Archive:
    """Open with :meth:`open` (a context manager). ``writer=False`` only reads and checks."""

    def __init__(self, root: Path, *, layout: Layout, agency_code: str, organization: str,
                 writer: bool):
        self.root = Path(root)
        self.layout = layout
        self.agency_code = agency_code
        self.organization = organization
        self.writer = writer
        self.meta = self.root / STATE_DIR
        self.journal = Journal(self.meta / "journal.jsonl")
        self.recovered: list[dict] = []  # what the recovery at open did
        self.read_only_media = False
        self._lock_fd: int | None = None
        self.state: State | None = None

    @classmethod
    def open(cls, root: Path | str, *, layout: str | Layout = DEFAULT_LAYOUT, agency_code: str = "",
             organization: str = "", writer: bool = True) -> Archive:
        layout = layout if isinstance(layout, Layout) else Layout(layout)
        archive = cls(Path(root), layout=layout, agency_code=agency_code,
                      organization=organization, writer=writer)
        try:
            archive._open()
        except BaseException:
            archive.close()
            raise
        return archive

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        index.close_index(self)
        if self.state is not None:
            self.state.close()
            self.state = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    # --- opening, locking, recovery -------------------------------------------------------
    def _open(self) -> None:
        db = self.meta / "state.sqlite"
        damage = diagnose_state(db, self.root)
        if damage is not None:
            raise damage
        if not self.writer and not db.exists():
            raise ArchiveError(_("this folder is not a TRAMS archive (no .trams/state.sqlite)"),
                               path=self.root,
                               hint=_("Check the path, or archive a document there first."),
                               code="not_an_archive")
        # A reader of a read-only copy (an auditor's mounted copy) takes no lock and writes
        # nothing: SQLite is opened immutable (see State).
        self.read_only_media = not self.writer and not os.access(self.meta, os.W_OK)
        try:
            if self.writer:
                (self.meta / "staging").mkdir(parents=True, exist_ok=True)
            lock = self.meta / "lock"
            if not self.writer and not lock.exists():  # no writer has ever locked it
                self._lock_fd = None
            else:
                self._lock_fd = os.open(lock, (os.O_RDWR | os.O_CREAT) if self.writer
                                        else os.O_RDONLY, 0o644)
        except OSError as exc:
            raise storage_error(exc, self.meta) from None
        if self._lock_fd is not None:
            self._take_lock()
        self.state = State(db, readonly=not self.writer, immutable=self.read_only_media)
        if self.writer:
            self._recover()
            self.ensure_reserve()

    def _take_lock(self) -> None:
        try:
            fcntl.flock(self._lock_fd, (fcntl.LOCK_EX if self.writer else fcntl.LOCK_SH)
                        | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._lock_fd, 64, 0).decode(errors="replace").strip() or "?"
            raise ArchiveBusyError(
                _("another process (pid {pid}) is writing to this archive", pid=holder),
                path=self.root,
                hint=_("Wait until it has finished, then run the command again.")) from None
        if self.writer:
            os.ftruncate(self._lock_fd, 0)
            os.pwrite(self._lock_fd, f"{os.getpid()}\n".encode(), 0)

    def ensure_reserve(self) -> None:
        """Keep RESERVE_BYTES of disk in ``.trams/reserve``; refuse to write without it.

        On a full disk the reserve is released (:meth:`release_reserve`) so that undoing a
        half-done add and recording it in the state database always has room.
        """
        path = self.meta / "reserve"
        try:
            if path.exists() and path.stat().st_size >= RESERVE_BYTES:
                return
            with open(path, "wb") as fh:
                block = b"\0" * 65536
                for _i in range(RESERVE_BYTES // len(block)):
                    fh.write(block)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise storage_error(exc, self.meta) from None

    def release_reserve(self) -> None:
        (self.meta / "reserve").unlink(missing_ok=True)

    def _recover(self) -> None:
        txn.recover(self)
        index.sync(self)  # a search index left behind by a crash catches up from the journal

    def _need_writer(self) -> None:
        if not self.writer:
            raise ArchiveError(_("the archive was opened read-only"), path=self.root,
                               code="archive_read_only")

    def journal_head(self) -> Head:
        """Head of the journal file itself; refuses to write after damaged history."""
        report = self.journal.verify()
        stored = self.state.head()
        if report.broken_at is not None or report.entries < stored.seq:
            raise ArchiveIntegrityError(
                _("the archive journal is damaged or shortened; nothing more is written"),
                path=self.journal.path,
                hint=_("Run `trams archive check` and restore the journal from a backup."),
                code="journal_damaged")
        return report.head

    # --- the batch runner's view ------------------------------------------------------------
    def is_done(self, source_hash: str) -> bool:
        return self.state.is_done(source_hash)

    def record_status(self, source_hash: str, *, stage: str, status: str,
                      error: str | None = None, output_path: str | None = None,
                      input_path: str | None = None) -> None:
        self._need_writer()
        with self.state.transaction() as db:
            self.state.set_item(db, source_hash, stage=stage, status=status, error=error,
                                output_path=output_path, input_path=input_path,
                                agency_code=self.agency_code)

    def item(self, source_hash: str) -> dict | None:
        return self.state.item(source_hash)

    def damaged_copy(self, source_hash: str) -> DamagedDocumentError | None:
        """For an input already archived: the error to report if its archived PDF is gone
        (deleted by hand), else None. Such an input is damaged, never "skipped"."""
        item = self.state.item(source_hash)
        output = item.get("output_path") if item else None
        if not output or (self.root / output).is_file():
            return None
        return DamagedDocumentError(
            _("this document was archived, but its archived PDF is missing from the archive "
              "({output})", output=output), path=item.get("input_path") or output,
            hint=_("Restore the file from a backup copy (`trams archive check` lists every "
                   "missing file and its SHA-256)."), code="archived_file_missing")

    def next_sequence(self, record: RecordMetadata) -> int:
        folder = self.layout.relative_folder(record, agency_code=self.agency_code)
        rows = self.state.query("SELECT MAX(sequence) AS m FROM documents WHERE folder = ?",
                                folder)
        return (rows[0]["m"] or 0) + 1 if rows else 1

    def find_sequence(self, record: RecordMetadata, pdf_sha256: str) -> int | None:
        """The sequence of an archived document of this record with these PDF bytes."""
        folder = self.layout.relative_folder(record, agency_code=self.agency_code)
        rows = self.state.query("SELECT sequence FROM documents WHERE folder = ? AND sha256 = ?"
                                " AND stage = 'done' ORDER BY version LIMIT 1", folder, pdf_sha256)
        return rows[0]["sequence"] if rows else None

    # --- adding ------------------------------------------------------------------------------
    def add_document(self, record: RecordMetadata, document: DocumentMetadata, pdf_path: Path,
                     *, source_hash: str, page_count: int,
                     signatures: Sequence[SignatureRecord],
                     quality: QualityReport | KeptQuality | None,
                     verdict: str | None = None, sidecar_text: str | None = None,
                     input_path: str | None = None,
                     index_text: str | None = None) -> ArchivedDocument:
        """Archive one signed PDF (crash-safe, idempotent). See the module docstring.

        ``index_text``: the document's text for the search index when it is not kept as
        sidecar text (else the index reads the PDF's text layer)."""
        self._need_writer()
        pdf_path = Path(pdf_path)
        folder_rel = self.layout.relative_folder(record, agency_code=self.agency_code)
        folder = self.layout.record_folder(self.root, record, agency_code=self.agency_code)
        stem = record_stem(record, document)
        try:
            sha, size = sha256_file(pdf_path)
        except OSError as exc:
            raise ArchiveError(_("cannot read the document to archive ({reason})",
                                 reason=exc.strerror), path=pdf_path,
                                 code="file_unreadable") from None
        sidecar = sidecar_text.encode("utf-8") if sidecar_text is not None else None
        key = content_key(document, sha, sidecar)
        rec = self.state.record(folder_rel)
        if rec is not None and rec["record_code"] != record.fileCode:
            raise ArchiveError(
                _("the folder already holds record {other}, not {code}",
                  other=rec["record_code"], code=record.fileCode), path=folder,
                hint=_("Give the record its own code, or change [archive] layout."),
                code="record_folder_conflict")
        if rec is None and (folder / "bagit.txt").exists():
            raise ArchiveError(_("the record folder exists but the archive state does not "
                                 "know it"), path=folder,
                               hint=_("Run `trams archive check` to find out why."),
                               code="record_folder_unknown")
        versions = self.state.versions(folder_rel, document.sequence)
        for old in versions:
            if old["content_key"] == key:
                return self._unchanged(old, record, document, source_hash, input_path)
        version = versions[-1]["version"] + 1 if versions else 1
        when = now()
        pdf_name = versioned(stem, version, ".pdf")
        json_name = versioned(stem, version, ".json")
        side_name = versioned(stem, version, ".txt") if sidecar is not None else None
        rkey = record_key(record)
        record_version = rec["version"] if rec else 0
        contents: dict[str, bytes | Path] = {pdf_name: pdf_path}
        contents[json_name] = document_json(
            record, document, version=version, pdf_name=pdf_name, sha256=sha, size=size,
            page_count=page_count, signatures=signatures, verdict=verdict, quality=quality,
            sidecar_name=side_name, source_hash=source_hash, archived_at=when,
            previous=versions[-1]["pdf"] if versions else None)
        if side_name:
            contents[side_name] = sidecar
        if rec is None or rec["record_key"] != rkey:
            record_version += 1
            contents[versioned(RECORD_JSON, record_version, ".json")] = record_json(
                record, agency_code=self.agency_code, version=record_version, archived_at=when)
        for name in contents:
            if (folder / PAYLOAD_DIR / name).exists():
                raise ArchiveError(_("a file unknown to the archive state is in the way"),
                                   path=folder / PAYLOAD_DIR / name,
                                   hint=_("Run `trams archive check` to find out why."),
                                   code="archive_unknown_file")
        self.ensure_reserve()
        txid = uuid.uuid4().hex
        row = {
            "txid": txid, "stage": "staging", "source_hash": source_hash, "folder": folder_rel,
            "record_code": record.fileCode, "doc_code": document.doc_code(record),
            "sequence": document.sequence, "version": version, "sha256": sha,
            "content_key": key, "size": size, "page_count": page_count,
            "signed": int(bool(signatures)), "verdict": verdict,
            "mean_confidence": quality.mean_confidence if quality else None,
            "quality_verdict": quality.verdict if quality else None, "pdf": pdf_name,
            "files": [{"name": n} for n in contents],
            "record": {"version": record_version, "key": rkey,
                       "organization": self.organization},
            "agency_code": self.agency_code, "archived_at": when,
        }
        cols = ", ".join(row)
        with self.state.transaction() as db:
            db.execute(f"INSERT INTO documents ({cols}) VALUES ({', '.join('?' * len(row))})",
                       [json.dumps(v) if isinstance(v, list | dict) else v for v in row.values()])
            self.state.set_item(db, source_hash, stage="archive", status="running",
                                input_path=input_path, agency_code=self.agency_code)
        fault("add.row_inserted")
        try:
            files = txn.stage(self, txid, contents, sha)
            with self.state.transaction() as db:
                db.execute("UPDATE documents SET stage = 'staged', files = ? WHERE txid = ?",
                           (json.dumps(files), txid))
        except BaseException as exc:
            self.release_reserve()  # room to undo, even on a full disk
            self.abort(txid, error=str(exc))
            if isinstance(exc, OSError):
                raise storage_error(exc, self.staging(txid)) from None
            raise
        fault("state.staged")
        row.update(stage="staged", files=files)
        before = self.state.head()
        self.finish(row, recovering=False)
        index.after_commit(self, row, before,
                     text=index_text if index_text is not None else sidecar_text)
        return self.archived(row, "archived")

    def commit_with_reserve(self, commit) -> None:  # noqa: ANN001 - a no-argument callable
        """Run a state commit; on a full disk release the reserve and try once more."""
        try:
            commit()
        except StorageError:
            self.release_reserve()
            commit()

    def staging(self, txid: str) -> Path:
        return self.meta / "staging" / txid

    def finish(self, row: dict, *, recovering: bool) -> None:
        """Steps 3-6 for a ``staged`` transaction; idempotent (also used by the recovery)."""
        txn.finish(self, row, recovering=recovering)

    def abort(self, txid: str, *, error: str) -> None:
        """Roll back a transaction: remove what it linked and staged, mark the input failed."""
        txn.abort(self, txid, error=error)

    def _unchanged(self, old: dict, record: RecordMetadata, document: DocumentMetadata,
                   source_hash: str, input_path: str | None) -> ArchivedDocument:
        before = self.state.head()
        head = self.journal_head()
        try:
            new_head = self.journal.append(head, "unchanged", doc_code=old["doc_code"],
                                           record_code=old["record_code"], txid=old["txid"],
                                           version=old["version"], sha256=old["sha256"],
                                           source_sha256=source_hash)
        except OSError as exc:
            raise storage_error(exc, self.journal.path) from None
        fault("duplicate.journaled")

        def commit() -> None:
            with self.state.transaction() as db:
                self.state.set_head(db, new_head)
                self.state.set_item(db, source_hash, stage="archive", status="archived",
                                    output_path=f"{old['folder']}/{PAYLOAD_DIR}/{old['pdf']}",
                                    input_path=input_path, agency_code=self.agency_code)

        self.commit_with_reserve(commit)
        index.after_noop(self, before)
        return self.archived(old, "unchanged")

    def archived(self, row: dict, status: str) -> ArchivedDocument:
        folder = self.root / row["folder"]
        json_name = row["pdf"][: -len(".pdf")] + ".json"
        return ArchivedDocument(status=status, doc_code=row["doc_code"],
                                record_code=row["record_code"], sequence=row["sequence"],
                                version=row["version"], folder=folder,
                                pdf=folder / PAYLOAD_DIR / row["pdf"],
                                metadata=folder / PAYLOAD_DIR / json_name, sha256=row["sha256"])

    # --- checking and reporting ----------------------------------------------------------
    def check(self, *, deep: bool = False, verifier: Verifier | None = None) -> CheckReport:
        return check_archive(self, deep=deep, verifier=verifier)

    def stats(self, *, by: str = "month") -> list[dict]:
        return archive_stats(self, by=by)

