"""`trams ocr`: scans -> recognized documents -> PDF/A files (no signing, no archive).

The same recognition as `trams run` (:class:`trams.scanning.stage.ScanningRecognizer`, with
its OCR quality gate and wording) and the same naming rule; each PDF (and its sidecar text
and quality report) is written atomically.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from trams.scanning.quality import FAILED
from trams.scanning.stage import ScanningRecognizer, quality_failure

from trams.config import TramsConfig
from trams.errors import ExitCode, InputError, TramsError, UsageError, batch_exit_code
from trams.i18n import _
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.metadata_io import load_metadata
from trams.models import (
    DocumentFailure,
    DocumentSource,
    InputFailure,
    QualityReport,
    RecognizedDocument,
)
from trams.naming import document_stem
from trams.pdf.assemble import write_pdfa
from trams.pdf.report import write_report
from trams.pdf.result import check_level
from trams.pipeline.events import Sink

GROUPINGS = ("file", "folder", "coversheet")


@dataclass(frozen=True)
class OcrOptions:
    """`trams ocr`'s options; None keeps the value of trams.toml."""

    inputs: tuple[Path, ...]
    output: Path  # the folder for the PDF/A files; with ``single``, the one PDF/A file
    single: bool = False  # the inputs make one document, written to ``output``
    languages: str | None = None
    jobs: int | None = None
    pdfa: str | None = None  # 1b | 2b | 2u
    jpeg_quality: int | None = None
    lossless: bool = False
    metadata: Path | None = None  # TOML, JSON or CSV file of record/document fields
    grouping: str | None = None
    deskew: bool | None = None
    dpi: float | None = None  # resolution of scans whose files do not say
    accept_low_dpi: bool = False
    keep_original: bool = False
    drop_blank: bool = False
    keep_ocr_layer: bool | None = None  # PDFs with an OCR layer: keep it (else redo OCR)
    sidecar: bool = False  # also NAME.txt beside each PDF
    sidecar_file: Path | None = None  # single: the recognized text into this file
    report: bool = False  # also NAME.quality.json
    force: bool = False  # replace existing output files (else such a document is refused)
    # --cluster: a Dask scheduler's address, or "local" (default: [cluster] scheduler)
    cluster: str | None = None


@dataclass(frozen=True)
class OcrDocument:
    """One PDF/A file written."""

    name: str  # the source name
    pdf: dict[str, Any]  # trams.pdf.assemble.PdfResult.to_dict()
    verdict: str  # ok | review | failed (written all the same: see ocr_files)
    notes: tuple[str, ...] = ()
    sidecar: Path | None = None
    report: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"document": self.name, "pdf": self.pdf,
                                "verdict": self.verdict, "notes": list(self.notes)}
        if self.sidecar:
            data["sidecar"] = str(self.sidecar)
        if self.report:
            data["report"] = str(self.report)
        return data


@dataclass
class OcrReport:
    output: Path
    documents: list[OcrDocument] = field(default_factory=list)
    failures: list[InputFailure | DocumentFailure] = field(default_factory=list)
    workers: dict[str, int] = field(default_factory=dict)  # cluster worker -> pages it did

    @property
    def exit_code(self) -> ExitCode:
        return batch_exit_code(len(self.documents), [f.error for f in self.failures])

    def to_dict(self) -> dict[str, Any]:
        return {"documents": [d.to_dict() for d in self.documents],
                "failures": [f.to_dict() for f in self.failures],
                "workers": dict(sorted(self.workers.items())),
                "exit_code": int(self.exit_code)}


@dataclass(frozen=True)
class _Target:
    source: DocumentSource
    record: RecordMetadata | None
    document: DocumentMetadata | None
    outputs: dict[str, Path]  # pdf, and sidecar and report when asked for


def ocr_files(config: TramsConfig, options: OcrOptions, *, sinks: Sequence[Sink] = ()
              ) -> OcrReport:
    """Recognize the inputs and write one PDF/A per document into ``options.output``
    (pages on the Dask cluster of ``options.cluster`` or [cluster], when one is named).

    A document the OCR quality gate fails (no text found, confidence very low: a
    photograph, another script, the wrong ``--languages``) is written all the same, with
    the verdict ``failed`` and the reason in its notes, as OCRmyPDF writes it: the PDF/A
    keeps the scan's pixels, and the user decides. (`trams run` refuses such a document:
    it is not signed and archived, the clerk rescans it.)

    Events (``sinks``): ``input_failed``, ``document_failed``, ``document_written``.
    """
    config = config.with_cluster(options.cluster)
    level = options.pdfa or config.pdfa.level
    check_level(level)
    grouping = options.grouping or config.inbox.grouping
    if grouping not in GROUPINGS:
        raise InputError(_("unknown grouping '{grouping}'", grouping=grouping),
                         hint=_('Use "file", "folder" or "coversheet".'), code="grouping_unknown")

    def emit(event: str, data: dict[str, Any]) -> None:
        for sink in sinks:
            sink(event, data)

    # The files and folders named on the command line are the user's own: their links
    # are read (this is not the inbox, and nothing is moved afterwards).
    recognizer = ScanningRecognizer.from_config(
        config, jobs=options.jobs, grouping=grouping, links="follow",
        languages=options.languages,
        deskew=options.deskew, jpeg_quality=options.jpeg_quality,
        lossless=True if options.lossless else None, default_dpi=options.dpi,
        accept_low_dpi=True if options.accept_low_dpi else None,
        keep_original_pixels=True if options.keep_original else None,
        drop_blank_pages=True if options.drop_blank else None,
        keep_ocr_layer=options.keep_ocr_layer, pdfa_level=level)
    meta = load_metadata(options.metadata) if options.metadata else None
    report = OcrReport(options.output)
    found = recognizer.discover(list(options.inputs))
    if options.single and len(found.documents) > 1:
        raise UsageError(
            _("{output} names one file, but the inputs make {count} documents",
              output=options.output, count=len(found.documents)),
            hint=_("Give a folder with -o to get one PDF/A file per document, or give the "
                   "folder that holds the pages with `--grouping folder` to make them one "
                   "document."),
            code="output_not_single")
    for failure in found.failures:
        report.failures.append(failure)
        emit("input_failed", failure.to_dict())
    # Names first: a bad record code is reported before any page is recognized.
    targets = []
    for target in _plan(found.documents, meta, options):
        if isinstance(target, DocumentFailure):
            report.failures.append(target)
            emit("document_failed", target.to_dict())
        else:
            targets.append(target)
    folder = options.output.parent if options.single else options.output
    folder.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="trams-ocr-"))
    try:
        def counted(_source: DocumentSource, worker: str | None = None) -> None:
            if worker is not None:
                report.workers[worker] = report.workers.get(worker, 0) + 1

        results = recognizer.recognize([t.source for t in targets], workdir, on_page=counted,
                                       gate=False)
        for target, result in zip(targets, results, strict=True):
            if isinstance(result, DocumentFailure):
                report.failures.append(result)
                emit("document_failed", result.to_dict())
                continue
            if isinstance(result, RecognizedDocument) and result.verdict == FAILED:
                result = replace(result, notes=(*result.notes, _quality_note(result)))
            try:
                written = _write(result, target, level, options, workdir)
            except TramsError as exc:
                if not exc.per_document:
                    raise
                failure = DocumentFailure(result.source, exc)
                report.failures.append(failure)
                emit("document_failed", failure.to_dict())
            else:
                report.documents.append(written)
                emit("document_written", written.to_dict())
            finally:
                for path in result.work_files:
                    path.unlink(missing_ok=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def _quality_note(document: RecognizedDocument) -> str:
    """The note of a document written although the quality gate failed it."""
    failure = quality_failure(document)
    return _("{reason}; the PDF/A is written, but its text layer cannot be trusted. Check "
             "--languages (the script of the page), or rescan the page (300 dpi, right side "
             "up).", reason=failure.message)


def _outputs(stem: str, options: OcrOptions) -> dict[str, Path]:
    """Every file ``trams ocr`` writes for the document named ``stem`` (pdf, sidecar,
    report): in the output folder by the naming rule, or the one file named."""
    if options.single:
        pdf = options.output
        base = pdf.with_suffix("") if pdf.suffix.lower() == ".pdf" else pdf
        found = {"pdf": pdf, "sidecar": options.sidecar_file or base.with_name(
                     base.name + ".txt"), "report": base.with_name(base.name + ".quality.json")}
    else:
        found = {"pdf": options.output / f"{stem}.pdf",
                 "sidecar": options.output / f"{stem}.txt",
                 "report": options.output / f"{stem}.quality.json"}
    wanted = {"pdf": True, "sidecar": options.sidecar or options.sidecar_file is not None,
              "report": options.report}
    return {kind: path for kind, path in found.items() if wanted[kind]}


def _plan(sources: Sequence[DocumentSource], meta, options: OcrOptions  # noqa: ANN001
          ) -> list[_Target | DocumentFailure]:
    """Metadata and a checked, unique, new output name for every document, before any
    OCR (an existing file is replaced only with ``force``)."""
    output = options.output
    used: set[int] = set()
    names: dict[str, str] = {}  # output stem -> the input that has it
    planned: list[_Target | DocumentFailure] = []
    for position, source in enumerate(sources):
        record, doc = source.record, source.document
        if meta is not None:
            match = meta.for_document(source.name, position, used)
            if match is not None:
                record, doc = match
        try:
            stem = document_stem(source.name, record, doc)
            if stem in names:
                raise InputError(
                    _("{first} and {second} would both be written as {name}.pdf",
                      first=names[stem], second=source.name, name=stem),
                    path=output / f"{stem}.pdf",
                    hint=_("Give each document its own sequence number in the metadata.")
                    if meta is not None else _("Rename one of the two inputs."),
                    code="name_collision")
            existing = [p for p in _outputs(stem, options).values() if os.path.lexists(p)]
            if existing and not options.force:
                raise InputError(
                    _("the output file already exists; it is not replaced"),
                    path=existing[0],
                    hint=_("Choose another --output folder, move the file away, or replace "
                           "it with --force."), code="output_exists")
        except TramsError as exc:
            planned.append(DocumentFailure(source, exc))
            continue
        names[stem] = source.name
        planned.append(_Target(source, record, doc, _outputs(stem, options)))
    return planned


def _write(document, target: _Target, level: str, options: OcrOptions,  # noqa: ANN001
           workdir: Path) -> OcrDocument:
    sidecar = target.outputs.get("sidecar")
    result = write_pdfa(document, target.record, target.document, target.outputs["pdf"],
                        level=level, sidecar=sidecar, workdir=workdir)
    report = None
    if "report" in target.outputs:
        report = write_report(QualityReport.of(document, result.to_dict()),
                              target.outputs["report"])
    return OcrDocument(document.source.name, result.to_dict(), document.verdict,
                       document.notes, sidecar, report)
