"""The run: inbox -> recognized pages -> PDF/A -> signatures -> verification -> archive.

Order of work, and why:

1. Lock the archive (a second run gets :class:`~trams.errors.ArchiveBusyError` before it
   does anything) and recover any add a crash left half-done.
2. Discover documents; hash, name and attach metadata to each (:mod:`.plan`). Already
   archived ones (same content hash) are skipped; bad names fail here, before any OCR.
3. Open the key sources and reach the TSA once (wrong PIN, expired certificate and an
   unreachable TSA stop the run here, before any page is recognized).
4. Recognize the pages of all pending documents in one worker pool; each document, as soon
   as its last page is done, is written as PDF/A, signed, verified and archived in this
   process (:mod:`.finish`) while the workers go on with the next pages.
5. Settle inbox entries (:mod:`.inbox`): ``.done/`` after the archive commit, ``.failed/``
   with a reason file for a document that failed.

A document's own problem (a corrupt scan, a page without text, a bad record code, a
signature that does not verify) fails that document only. A problem of the whole run (disk
full, TSA gone, token removed, damaged archive journal) stops the run; its documents stay
in the inbox and the next run goes on from there. A kill at any point loses nothing: the
archive's adds are crash-safe and keyed by content hash, so the rerun skips what was
committed and redoes the rest.

What the run needs of scanning and signing (:class:`~.stages.Stages`) is in :mod:`.stages`.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

from trams.archive import Archive
from trams.archive.layout import STATE_DIR
from trams.archive.store import DamagedDocumentError
from trams.config import TramsConfig
from trams.errors import Notice, TramsError, notice_dict, unexpected
from trams.faults import fault
from trams.i18n import N_, _
from trams.metadata_io import load_metadata
from trams.models import BornDigitalDocument, DocumentSource, DocumentStatus, RecognizedDocument
from trams.pipeline import inbox as inbox_moves
from trams.pipeline.events import (
    DocumentOutcome,
    JsonLog,
    MovedInput,
    RunSummary,
    Sink,
    _Timer,
    capture_logging,
)
from trams.pipeline.finish import finish_document
from trams.pipeline.hints import for_run
from trams.pipeline.plan import PlannedDocument, _unit_for_failure, plan_documents
from trams.pipeline.stages import Signer, Stages

LOG_DIR = "logs"
WORK_DIR = "work"
log = logging.getLogger(__name__)
REPORT_WITH_LOG = N_("Please report it with the log file of this run, written with --verbose.")


class _Run:
    def __init__(self, config: TramsConfig, stages: Stages | Callable[[], Stages], *,
                 inputs: Sequence[Path], inbox: Path, dry_run: bool, move_done: bool,
                 move_failed: bool, sinks: Sequence[Sink]):
        self.config = config
        self.make_stages = stages if callable(stages) else (lambda: stages)
        self.stages: Stages | None = None
        self.inputs = list(inputs)
        self.inbox = inbox
        self.dry_run = dry_run
        self.move_done = move_done
        self.move_failed = move_failed
        self.sinks = list(sinks)
        self._pages_seen: dict[str, int] = {}  # document -> pages reported done
        self.run_id = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.summary = RunSummary(run_id=self.run_id, inbox=str(inbox),
                                  archive=str(config.archive.path), dry_run=dry_run)
        self.archive: Archive | None = None
        self.inbox_dir: inbox_moves.Inbox | None = None
        self.log: JsonLog | None = None
        self.early: list[tuple[str, dict[str, Any]]] = []  # events before the log is open
        self.planned: list[PlannedDocument] = []
        self.unit_docs: dict[Path, list[PlannedDocument]] = {}
        # files discovery could not use, by inbox entry (documents carry their own errors)
        self.input_failures: dict[Path, list[tuple[str, TramsError]]] = {}

    # --- events -------------------------------------------------------------------------
    def emit(self, event: str, **data: Any) -> None:
        if self.log is None:
            self.early.append((event, data))
        for sink in self.sinks:
            sink(event, data)

    def timed(self, stage: str) -> _Timer:
        return _Timer(self.summary.timings, stage)

    # --- the run ------------------------------------------------------------------------
    def run(self) -> RunSummary:
        """The run, whatever happens in it: every ending (done, a problem of the whole run,
        Ctrl-C or SIGTERM, a bug) is reported by ``run_finished`` and the summary, and
        written to the log file whenever the archive exists."""
        started = time.monotonic()
        self.emit("run_started", run_id=self.run_id, inbox=str(self.inbox),
                  archive=str(self.config.archive.path), dry_run=self.dry_run,
                  pid=os.getpid())
        with capture_logging(self.emit):
            try:
                with ExitStack() as stack:
                    self._work(stack)
            except KeyboardInterrupt:
                self.summary.interrupted = True
            except TramsError as exc:
                self.summary.aborted = for_run(exc)
            except Exception as exc:  # noqa: BLE001 - a bug: reported, never a traceback
                log.debug("unexpected error in the run", exc_info=True)
                self.summary.aborted = unexpected(exc, hint=_(REPORT_WITH_LOG))
            finally:
                if self.inbox_dir is not None:
                    self.inbox_dir.close()
            for item in self.planned:  # a stopped run: what it never reached
                if item.status is DocumentStatus.PENDING:
                    item.status = DocumentStatus.NOT_STARTED
                    self.summary.documents.append(DocumentOutcome(
                        **self._basics(item), status=DocumentStatus.NOT_STARTED))
            self.summary.failed_waiting = inbox_moves.waiting_in_failed(self.inbox)
            self.summary.wall_seconds = time.monotonic() - started
            try:
                self._late_log()
                if self.summary.interrupted:
                    self.emit("run_interrupted", code="interrupted",
                              message=_("stopped; run again to finish"))
                if self.summary.aborted is not None:
                    self.emit("run_aborted", **self.summary.aborted.to_dict())
                self.emit("run_finished", **self.summary.to_dict())
            finally:
                if self.log is not None:
                    self.log.close()
        return self.summary

    def _work(self, stack: ExitStack) -> None:
        self.stages = self.make_stages()  # keys' secrets: a missing one stops here
        self.config.require_agency_code()
        self._open_archive(stack)
        self._check_inbox()
        self._plan()
        if not self.dry_run:
            self._process(stack)

    def _open_archive(self, stack: ExitStack) -> None:
        cfg = self.config
        root = cfg.archive.path
        if self.dry_run:
            if (root / STATE_DIR / "state.sqlite").exists():
                self.archive = stack.enter_context(Archive.open(
                    root, layout=cfg.archive.layout, agency_code=cfg.agency.code,
                    organization=cfg.agency.name, writer=False))
            return
        self.archive = stack.enter_context(Archive.open(
            root, layout=cfg.archive.layout, agency_code=cfg.agency.code,
            organization=cfg.agency.name))
        self._open_log()
        work = root / STATE_DIR / WORK_DIR
        shutil.rmtree(work, ignore_errors=True)  # left by a killed run; we hold the lock
        stack.callback(shutil.rmtree, work, True)

    def _open_log(self) -> None:
        """The run's log file in the archive, with the events emitted before it opened."""
        log_file = JsonLog(self.config.archive.path / STATE_DIR / LOG_DIR
                           / f"run-{self.run_id}.jsonl")
        for event, data in self.early:
            log_file(event, data)
        self.early = []
        self.log = log_file
        self.sinks.insert(0, log_file)
        if log_file.error is None:
            self.summary.log_file = str(log_file.path)

    def _late_log(self) -> None:
        """A run stopped before the archive was opened (a missing secret, a busy or damaged
        archive) still leaves its log in the archive, when there is one; a run that never
        got that far creates nothing."""
        meta = self.config.archive.path / STATE_DIR
        if self.log is None and not self.dry_run and meta.is_dir() and not meta.is_symlink():
            self._open_log()
        if self.log is not None and self.log.error is not None:
            self.summary.log_file = None
            self.summary.warnings.append(Notice(
                _("the run's log file could not be written ({reason})",
                  reason=self.log.error.strerror or self.log.error), "log_write_failed"))

    def _check_inbox(self) -> None:
        """Before any work: the inbox is there and readable; .done and .failed are its own
        folders (never links, never on another file system), made now if needed."""
        inbox_moves.check_inputs(self.inputs)
        if self.inbox.is_dir():
            # both are checked whatever the settings: a link there is refused before it
            # can ever be used; only those this run moves into are made
            self.inbox_dir = inbox_moves.open_inbox(
                self.inbox, create=() if self.dry_run else self._move_folders())

    def _move_folders(self) -> tuple[str, ...]:
        """The inbox folders this run may move entries into."""
        return ((inbox_moves.DONE_DIR,) if self.move_done else ()) + \
            ((inbox_moves.FAILED_DIR,) if self.move_failed else ())

    def _plan(self) -> None:
        assert self.stages is not None
        meta_file = load_metadata(self.config.metadata.file) if self.config.metadata.file \
            else None
        with self.timed("discover"):
            found = self.stages.recognizer.discover(self.inputs)
            grouping = self.stages.recognizer.grouping
            self.planned = plan_documents(found.documents, inbox=self.inbox, grouping=grouping,
                                          config=self.config, meta_file=meta_file)
        for path in found.ignored:
            self.summary.ignored.append(str(path))
            self.emit("input_ignored", path=str(path), code="not_a_scan",
                      message=_("not a scan: TRAMS does not read it and leaves it where it is"))
        for failure in found.failures:
            for_run(failure.error)
            unit = _unit_for_failure(failure.path, self.inbox, grouping)
            if unit != self.inbox:  # the inbox itself is never moved; its files are
                self.input_failures.setdefault(unit, []).append(
                    (failure.path.name, failure.error))
            self.summary.input_failures.append(failure)
            self.emit("input_failed", **failure.to_dict())
        for item in self.planned:
            for unit in item.units:
                self.unit_docs.setdefault(unit, []).append(item)
            if item.status is DocumentStatus.PENDING and self.archive is not None \
                    and self.archive.is_done(item.hash):
                item.error = self.archive.damaged_copy(item.hash)
                item.status = DocumentStatus.SKIPPED if item.error is None \
                    else DocumentStatus.FAILED
        if self.inbox_dir is not None and self._move_folders():
            # every entry that may move, checked before anything moves or any page is read
            inbox_moves.check_units(self.inbox_dir, [*self.input_failures, *self.unit_docs],
                                    self._move_folders())
        for item in self.planned:
            for warning in item.warnings:
                self.emit("warning", document=item.name, **notice_dict(warning))
            if item.status is DocumentStatus.PENDING and self.dry_run:
                # what can be known without OCR: each page decoded, its resolution checked
                with self.timed("discover"):
                    problem = self.stages.recognizer.preflight(item.source)
                if problem is not None:
                    item.status, item.error = DocumentStatus.FAILED, problem
            if item.status is DocumentStatus.SKIPPED:
                self._record(item, DocumentOutcome(**self._basics(item),
                                                   status=DocumentStatus.SKIPPED,
                                                   duplicate_of=item.duplicate_of))
            elif item.status is DocumentStatus.FAILED:
                self._fail(item, item.error)
            elif self.dry_run:
                self._record(item, DocumentOutcome(
                    **self._basics(item), status=DocumentStatus.PLANNED, stem=item.stem,
                    record=item.record.fileCode if item.record else None,
                    warnings=tuple(item.warnings)))
        pending = [p for p in self.planned
                   if p.status in (DocumentStatus.PENDING, DocumentStatus.PLANNED)]
        self.emit("planned", documents=len(pending), pages=sum(p.pages for p in pending),
                  skipped=sum(p.status is DocumentStatus.SKIPPED for p in self.planned),
                  failed=sum(p.status is DocumentStatus.FAILED for p in self.planned)
                  + len(found.failures))
        if not self.dry_run:
            for unit in list(self.input_failures):
                self._settle(unit)

    def _process(self, stack: ExitStack) -> None:
        assert self.stages is not None
        pending = [p for p in self.planned if p.status is DocumentStatus.PENDING]
        if not pending:
            return
        self.stages.recognizer.check()
        signer = stack.enter_context(self.stages.open_signer())
        for warning in signer.warnings:
            self.summary.warnings.append(warning)
            self.emit("warning", **notice_dict(warning))
        work = self.config.archive.path / STATE_DIR / WORK_DIR / self.run_id
        results = self.stages.recognizer.recognize([p.source for p in pending],
                                                   work / "pages", on_page=self._page_done)
        # Closing the generator stops the OCR workers before the work folder is removed,
        # whether the run ends, is aborted or interrupted.
        stack.callback(results.close)
        # documents come out in input order, one result per document
        for item in pending:
            with self.timed("ocr_wait"):
                result = next(results)
            if isinstance(result, RecognizedDocument | BornDigitalDocument):
                try:
                    self._finish(item, result, signer, work)
                except TramsError as exc:
                    if not exc.per_document:
                        raise
                    self._fail(item, exc)
                except Exception as exc:  # noqa: BLE001 - a library failing on one file
                    # that document fails alone, with the reason; the run goes on
                    log.debug("unexpected error on %s", item.name, exc_info=True)
                    self._fail(item, unexpected(exc, path=item.source.pages[0].path
                                                if item.source.pages else None,
                                                hint=_(REPORT_WITH_LOG)))
                finally:
                    for path in result.work_files:
                        Path(path).unlink(missing_ok=True)
            elif not result.error.per_document:
                raise result.error  # disk full while writing a page: the whole run stops
            else:
                self._fail(item, result.error)

    def _page_done(self, source: DocumentSource, worker: str | None = None) -> None:
        """A page recognized (by a cluster worker, when ``worker`` names one). A document's
        pages are reported in page order: the n-th report is page n."""
        page = self._pages_seen[source.name] = self._pages_seen.get(source.name, 0) + 1
        fields: dict[str, object] = {"document": source.name, "page": page,
                                     "pages": len(source.pages)}
        if worker is not None:
            self.summary.workers[worker] = self.summary.workers.get(worker, 0) + 1
            fields["worker"] = worker
        self.emit("page_done", **fields)

    def _finish(self, item: PlannedDocument, result: RecognizedDocument | BornDigitalDocument,
                signer: Signer, work: Path) -> None:
        assert self.archive is not None and item.record is not None
        assert item.document is not None and self.stages is not None
        archived, signing, verdict = finish_document(
            item, result, signer, work, config=self.config, archive=self.archive,
            verifier=self.stages.verifier, timed=self.timed)
        for warning in signing.warnings:
            self.emit("warning", document=item.name, **notice_dict(warning))
        self._record(item, DocumentOutcome(
            **self._basics(item), status=DocumentStatus.ARCHIVED, path=str(archived.pdf),
            record=item.record.fileCode,
            archive_status=archived.status, ocr_verdict=result.verdict,
            verification=verdict.verdict, signatures=tuple(signing.signatures),
            warnings=(*item.warnings, *signing.warnings)))

    # --- outcomes -----------------------------------------------------------------------
    @staticmethod
    def _basics(item: PlannedDocument) -> dict[str, Any]:
        return {"name": item.name, "pages": item.pages, "source_hash": item.hash}

    def _record(self, item: PlannedDocument, outcome: DocumentOutcome) -> None:
        """Report a document's outcome, then settle the inbox entries it came from."""
        item.status = outcome.status
        self.summary.documents.append(outcome)
        self.emit(f"document_{outcome.status}", **outcome.to_dict())
        for unit in item.units:
            self._settle(unit)

    def _fail(self, item: PlannedDocument, error: TramsError | None) -> None:
        assert error is not None
        for_run(error)
        work = self.config.archive.path / STATE_DIR / WORK_DIR
        if error.path is not None and work in error.path.absolute().parents:
            # a file of this run's work folder (gone after the run): name the scan instead
            error.path = item.source.pages[0].path if item.source.pages else None
        item.error = error
        if not self.dry_run and self.archive is not None and item.hash \
                and not isinstance(error, DamagedDocumentError):  # stays archived (damaged)
            self.archive.record_status(item.hash, stage="run", status="failed",
                                       error=error.one_line(),
                                       input_path=str(item.source.pages[0].path)
                                       if item.source.pages else None)
        self._record(item, DocumentOutcome(**self._basics(item), status=DocumentStatus.FAILED,
                                           error=error, duplicate_of=item.duplicate_of))

    def _settle(self, unit: Path) -> None:
        """Move an inbox entry once every document made from it is settled (an entry moved
        already is gone from the inbox, so it is never moved twice)."""
        if self.dry_run or not os.path.lexists(unit):  # a link is moved, never followed
            return
        docs = self.unit_docs.get(unit, [])
        if any(d.status is DocumentStatus.PENDING for d in docs):
            return
        failures = [*self.input_failures.get(unit, []),
                    *((d.name, d.error) for d in docs
                      if d.status is DocumentStatus.FAILED and d.error)]
        inbox = self.inbox_dir
        if inbox is None:
            return  # a single file given as input: nothing to move it into
        with self.timed("move"):
            if failures and self.move_failed:
                archived = [d.name for d in docs
                            if d.status in (DocumentStatus.ARCHIVED, DocumentStatus.SKIPPED)]
                text = inbox_moves.reason_text(unit, failures, inbox=self.inbox,
                                               archived=archived)
                target = inbox_moves.move_failed(unit, inbox, text)
                where = "failed"
            elif not failures and docs and self.move_done:
                target = inbox_moves.move_into(unit, inbox, inbox_moves.DONE_DIR)
                where = "done"
            else:
                return
        fault("run.moved")
        self.summary.moved.append(MovedInput(str(unit), str(target), where))
        self.emit("input_moved", source=str(unit), target=str(target), to=where)


def run_batch(config: TramsConfig, stages: Stages | Callable[[], Stages], *,
              inputs: Sequence[Path] | None = None,
              dry_run: bool = False, move_done: bool | None = None,
              move_failed: bool | None = None, sinks: Sequence[Sink] = ()) -> RunSummary:
    """Run the inbox (or ``inputs``) through the whole chain; never raises.

    ``stages`` may be a function making them, called inside the run (a key's missing secret
    is then reported like any other problem of the run, in the summary and the log).
    Problems of the whole run are in ``summary.aborted`` (with their exit code), Ctrl-C in
    ``summary.interrupted``; ``summary.exit_code`` is what the CLI returns.
    """
    inbox = Path(config.inbox.path).absolute()
    paths = [Path(p).absolute() for p in inputs] if inputs else [inbox]
    if inputs and len(paths) == 1 and paths[0].is_dir():
        inbox = paths[0]
    run = _Run(config, stages, inputs=paths, inbox=inbox, dry_run=dry_run,
               move_done=config.inbox.move_done if move_done is None else move_done,
               move_failed=config.inbox.move_failed if move_failed is None else move_failed,
               sinks=sinks)
    return run.run()

