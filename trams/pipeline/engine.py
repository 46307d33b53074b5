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
   process while the workers go on with the next pages.
5. Settle inbox entries (:mod:`.inbox`): ``.done/`` after the archive commit, ``.failed/``
   with a reason file for a document that failed.

A document's own problem (a corrupt scan, a page without text, a bad record code, a
signature that does not verify) fails that document only. A problem of the whole run (disk
full, TSA gone, token removed, damaged archive journal) stops the run; its documents stay
in the inbox and the next run goes on from there. A kill at any point loses nothing: the
archive's adds are crash-safe and keyed by content hash, so the rerun skips what was
committed and redoes the rest.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from trams.archive import Archive
from trams.archive.faults import fault
from trams.archive.layout import STATE_DIR
from trams.config import TramsConfig
from trams.errors import (
    ArchiveError,
    ExitCode,
    InputError,
    OcrError,
    SigningError,
    SigningPolicyError,
    TramsError,
)
from trams.i18n import _
from trams.metadata_io import load_metadata
from trams.models import BornDigitalDocument, DocumentSource, RecognizedDocument
from trams.pdf.assemble import write_pdfa
from trams.pdf.report import quality_report
from trams.pipeline import inbox as inbox_moves
from trams.pipeline.events import JsonLog, RunSummary, Sink, error_dict
from trams.pipeline.plan import PlannedDocument, plan_documents, unit_of

# Crash-test points (TRAMS_FAULT=point[@N], see trams.archive.faults), in run order.
RUN_POINTS = ("run.pdfa_written", "run.signed", "run.verified", "run.archived", "run.moved")
# A document's own problems: that document fails, the run goes on.
DOCUMENT_ERRORS = (InputError, OcrError, SigningPolicyError, SigningError, ArchiveError)
LOG_DIR = "logs"
WORK_DIR = "work"


@dataclass(frozen=True)
class Verdict:
    """What the verification of a freshly signed document says."""

    passed: bool
    verdict: str  # ETSI indication of the file (TOTAL_PASSED, ...)
    detail: str = ""  # why it did not pass, one line


class Recognizer(Protocol):
    """Scanning, as the run needs it (``trams.scanning.stage.ScanningRecognizer``)."""

    grouping: str

    def check(self) -> None: ...

    def discover(self, inputs: Sequence[Path]
                 ) -> tuple[list[DocumentSource], list[tuple[Path, TramsError]]]: ...

    def recognize(self, documents: Sequence[DocumentSource], workdir: Path,
                  on_page: Callable[[DocumentSource], None]
                  ) -> Iterator[RecognizedDocument | BornDigitalDocument
                                | tuple[DocumentSource, TramsError]]: ...


class Signer(Protocol):
    """Keys opened once for the run (``trams.signing.stage``)."""

    def sign(self, src: Path, dst: Path) -> list[dict[str, Any]]: ...


class Verifier(Protocol):
    def verify(self, pdf: Path) -> Verdict: ...


@dataclass(frozen=True)
class Stages:
    recognizer: Recognizer
    open_signer: Callable[[], AbstractContextManager[Signer]]
    verifier: Verifier


class _Run:
    def __init__(self, config: TramsConfig, stages: Stages, *, inputs: Sequence[Path],
                 inbox: Path, dry_run: bool, move_done: bool, move_failed: bool,
                 sinks: Sequence[Sink]):
        self.config = config
        self.stages = stages
        self.inputs = list(inputs)
        self.inbox = inbox
        self.dry_run = dry_run
        self.move_done = move_done
        self.move_failed = move_failed
        self.sinks = list(sinks)
        self.run_id = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.summary = RunSummary(run_id=self.run_id, inbox=str(inbox),
                                  archive=str(config.archive.path), dry_run=dry_run)
        self.archive: Archive | None = None
        self.planned: list[PlannedDocument] = []
        self.unit_docs: dict[Path, list[PlannedDocument]] = {}
        # files discovery could not use, by inbox entry (documents carry their own errors)
        self.input_failures: dict[Path, list[tuple[str, TramsError]]] = {}

    # --- events -------------------------------------------------------------------------
    def emit(self, event: str, **data: Any) -> None:
        for sink in self.sinks:
            sink(event, data)

    def timed(self, stage: str) -> _Timer:
        return _Timer(self.summary.timings, stage)

    # --- the run ------------------------------------------------------------------------
    def run(self) -> RunSummary:
        started = time.monotonic()
        with ExitStack() as stack:
            try:
                self._open_archive(stack)
                self.emit("run_started", run_id=self.run_id, inbox=str(self.inbox),
                          archive=str(self.config.archive.path), dry_run=self.dry_run,
                          pid=os.getpid())
                self._plan()
                if not self.dry_run:
                    self._process(stack)
            except KeyboardInterrupt:
                self.summary.interrupted = True
                self.emit("run_interrupted", message=_("stopped; run again to finish"))
            except TramsError as exc:
                self.summary.aborted = error_dict(exc)
                self.emit("run_aborted", **error_dict(exc))
            except Exception as exc:
                # A bug: the CLI reports it (exit 1); the log says so too, not "exit 0".
                self.summary.aborted = {
                    "error": type(exc).__name__, "exit_code": int(ExitCode.INTERNAL),
                    "message": str(exc), "path": None, "hint": None,
                    "line": f"{type(exc).__name__}: {exc}"}
                self.emit("run_aborted", **self.summary.aborted)
                raise
            finally:
                self.summary.wall_seconds = time.monotonic() - started
                self.emit("run_finished", **self.summary.to_dict())
        return self.summary

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
        log = JsonLog(root / STATE_DIR / LOG_DIR / f"run-{self.run_id}.jsonl")
        stack.callback(log.close)
        self.sinks.insert(0, log)
        self.summary.log_file = str(log.path)
        work = root / STATE_DIR / WORK_DIR
        shutil.rmtree(work, ignore_errors=True)  # left by a killed run; we hold the lock
        stack.callback(shutil.rmtree, work, True)

    def _plan(self) -> None:
        for path in self.inputs:
            if not path.exists():
                raise InputError(_("the inbox folder does not exist"), path=path,
                                 hint=_("Create it, or set [inbox] path in trams.toml."))
            if not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
                raise InputError(_("the inbox cannot be read by this user"), path=path,
                                 hint=_("Give this user read access to the folder."))
        meta_file = load_metadata(self.config.metadata.file) if self.config.metadata.file \
            else None
        with self.timed("discover"):
            documents, failures = self.stages.recognizer.discover(self.inputs)
            grouping = self.stages.recognizer.grouping
            self.planned = plan_documents(documents, inbox=self.inbox, grouping=grouping,
                                          config=self.config, meta_file=meta_file)
        for path, error in failures:
            unit = _unit_for_failure(path, self.inbox, grouping)
            if unit != self.inbox:  # the inbox itself is never moved; its files are
                self.input_failures.setdefault(unit, []).append((path.name, error))
            entry = {**error_dict(error), "path": str(path)}
            self.summary.input_failures.append(entry)
            self.emit("input_failed", **entry)
        for item in self.planned:
            for unit in item.units:
                self.unit_docs.setdefault(unit, []).append(item)
            if item.status == "pending" and self.archive is not None \
                    and self.archive.is_done(item.hash):
                item.status = "skipped"
        for item in self.planned:
            if item.status == "skipped":
                self._record(item, "skipped")
            elif item.status == "failed":
                self._fail(item, item.error)
            elif self.dry_run:
                self._record(item, "planned", stem=item.stem,
                             record=item.record.fileCode if item.record else None)
        pending = [p for p in self.planned if p.status in ("pending", "planned")]
        self.emit("planned", documents=len(pending), pages=sum(p.pages for p in pending),
                  skipped=sum(p.status == "skipped" for p in self.planned),
                  failed=sum(p.status == "failed" for p in self.planned) + len(failures))
        if not self.dry_run:
            for unit in list(self.input_failures):
                self._settle(unit)

    def _process(self, stack: ExitStack) -> None:
        pending = [p for p in self.planned if p.status == "pending"]
        if not pending:
            return
        self.stages.recognizer.check()
        signer = stack.enter_context(self.stages.open_signer())
        work = self.config.archive.path / STATE_DIR / WORK_DIR / self.run_id
        results = self.stages.recognizer.recognize(
            [p.source for p in pending], work / "pages",
            on_page=lambda source: self.emit("page_done", document=source.name))
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
                except DOCUMENT_ERRORS as exc:
                    self._fail(item, exc)
                finally:
                    for path in result.work_files:
                        Path(path).unlink(missing_ok=True)
            else:
                self._fail(item, result[1])

    def _finish(self, item: PlannedDocument, result: RecognizedDocument | BornDigitalDocument,
                signer: Signer, work: Path) -> None:
        assert self.archive is not None and item.record is not None
        assert item.document is not None
        document = item.document.model_copy(update={"numberOfPage": result.page_count})
        with self.timed("pdfa"):
            pdf = write_pdfa(result, item.record, document, work / "pdfa" / f"{item.stem}.pdf",
                             level=self.config.pdfa.level, workdir=work)
        fault("run.pdfa_written")
        signed = work / "signed" / f"{item.stem}.pdf"
        try:
            with self.timed("sign"):
                signatures = signer.sign(pdf.path, signed)
            fault("run.signed")
            with self.timed("verify"):
                verdict = self.stages.verifier.verify(signed)
            fault("run.verified")
            if not verdict.passed:
                raise SigningError(
                    _("the signed document did not pass verification ({verdict}: {detail})",
                      verdict=verdict.verdict, detail=verdict.detail),
                    path=item.source.pages[0].path,
                    hint=_("Run `trams doctor` to check the keys, trust roots and "
                           "revocation servers."))
            with self.timed("archive"):
                archived = self.archive.add_document(
                    item.record, document, signed, source_hash=item.hash,
                    page_count=result.page_count, signatures=signatures,
                    quality=quality_report(result, pdf), verdict=result.verdict,
                    sidecar_text=result.text if self.config.pdfa.sidecar else None,
                    input_path=str(item.source.pages[0].path))
            fault("run.archived")
        finally:
            pdf.path.unlink(missing_ok=True)
            signed.unlink(missing_ok=True)
        self._record(item, "archived", path=str(archived.pdf), archive_status=archived.status,
                     ocr_verdict=result.verdict, verification=verdict.verdict,
                     signatures=[s.get("role") for s in signatures])

    # --- outcomes -----------------------------------------------------------------------
    def _record(self, item: PlannedDocument, status: str, **extra: Any) -> None:
        """Report a document's outcome, then settle the inbox entries it came from."""
        item.status = status
        entry = {"name": item.name, "status": status, "pages": item.pages,
                 "source_hash": item.hash, **extra}
        if item.duplicate_of:
            entry["duplicate_of"] = item.duplicate_of
        self.summary.documents.append(entry)
        self.emit(f"document_{status}", **entry)
        for unit in item.units:
            self._settle(unit)

    def _fail(self, item: PlannedDocument, error: TramsError | None) -> None:
        assert error is not None
        item.error = error
        if not self.dry_run and self.archive is not None and item.hash:
            self.archive.record_status(item.hash, stage="run", status="failed",
                                       error=error.one_line(),
                                       input_path=str(item.source.pages[0].path)
                                       if item.source.pages else None)
        self._record(item, "failed", **error_dict(error))

    def _settle(self, unit: Path) -> None:
        """Move an inbox entry once every document made from it is settled (an entry moved
        already is gone from the inbox, so it is never moved twice)."""
        if self.dry_run or not unit.exists():
            return
        docs = self.unit_docs.get(unit, [])
        if any(d.status == "pending" for d in docs):
            return
        failures = [*self.input_failures.get(unit, []),
                    *((d.name, d.error) for d in docs if d.status == "failed" and d.error)]
        with self.timed("move"):
            if failures and self.move_failed:
                archived = [d.name for d in docs if d.status in ("archived", "skipped")]
                text = inbox_moves.reason_text(unit, failures, inbox=self.inbox,
                                               archived=archived)
                target = inbox_moves.move_failed(unit, self.inbox, text)
                where = "failed"
            elif not failures and docs and self.move_done:
                target = inbox_moves.move_into(unit, self.inbox, inbox_moves.DONE_DIR)
                where = "done"
            else:
                return
        fault("run.moved")
        self.summary.moved.append({"from": str(unit), "to": str(target), "as": where})
        self.emit("input_moved", source=str(unit), target=str(target), to=where)


class _Timer:
    def __init__(self, timings: dict[str, float], stage: str):
        self.timings, self.stage = timings, stage

    def __enter__(self) -> None:
        self.t0 = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.stage] = self.timings.get(self.stage, 0.0) + time.monotonic() - self.t0


def _unit_for_failure(path: Path, inbox: Path, grouping: str) -> Path:
    if path.is_dir():
        return path
    return unit_of(path, inbox, grouping)


def run_batch(config: TramsConfig, stages: Stages, *, inputs: Sequence[Path] | None = None,
              dry_run: bool = False, move_done: bool | None = None,
              move_failed: bool | None = None, sinks: Sequence[Sink] = ()) -> RunSummary:
    """Run the inbox (or ``inputs``) through the whole chain; never raises for a document.

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
