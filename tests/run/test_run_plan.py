"""Planning a run (no OCR): content hashes, metadata from templates, names, units."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from support.runs import SAMPLES

from trams.config import ConfigError, MetadataConfig, TramsConfig, load_config
from trams.metadata import DocumentMetadata, RecordMetadata
from trams.models import Discovery, DocumentSource, SourcePage
from trams.pipeline.plan import plan_documents, source_hash, template_name, unit_of

TIF = SAMPLES / "01-quyet-dinh" / "page1.tif"
CONFIG = TramsConfig.model_validate({"agency": {"name": "UBND xã Trà My", "code": "H42.01"},
                                     "metadata": {"file_code": "{agency_code}.{date}.{name}"}})


def _doc(name: str, *paths: Path, **meta) -> DocumentSource:
    return DocumentSource(name=name, pages=tuple(SourcePage(p, 0) for p in paths), **meta)


def test_hash_is_the_content_not_the_name(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.tif"
    shutil.copy(TIF, copy)
    assert source_hash([SourcePage(TIF, 0)]) == source_hash([SourcePage(copy, 0)])
    assert source_hash([SourcePage(TIF, 0)]) != source_hash([SourcePage(TIF, 1)])
    copy.write_bytes(copy.read_bytes() + b"\0")
    assert source_hash([SourcePage(TIF, 0)]) != source_hash([SourcePage(copy, 0)])


def test_templates_name_records_and_duplicates_are_skipped(tmp_path: Path) -> None:
    other = tmp_path / "b" / "scan 2.tif"
    other.parent.mkdir()
    other.write_bytes(TIF.read_bytes() + b"\0")
    docs = [_doc("a.tif", TIF), _doc("b/scan 2.tif", other), _doc("again.tif", TIF)]
    planned = plan_documents(docs, inbox=tmp_path, grouping="file", config=CONFIG,
                             meta_file=None, today=date(2026, 11, 26))
    assert [p.status for p in planned] == ["pending", "pending", "skipped"]
    assert planned[2].duplicate_of == "a.tif"
    assert planned[1].record.fileCode == "H42.01.20261126.b_scan 2"
    assert planned[1].stem == "H42.01.20261126.b_scan 2.0000001"
    assert planned[1].document.organName == "UBND xã Trà My"
    assert planned[1].units == (other,)


def test_a_cover_sheet_wins_and_clashing_names_fail_before_ocr(tmp_path: Path) -> None:
    record = RecordMetadata(fileCode="H42.HS-1")
    other = tmp_path / "x.tif"
    other.write_bytes(TIF.read_bytes() + b"\1")
    docs = [_doc("a", TIF, record=record, document=DocumentMetadata(sequence=3)),
            _doc("b", other, record=record, document=DocumentMetadata(sequence=3))]
    planned = plan_documents(docs, inbox=tmp_path, grouping="coversheet", config=CONFIG,
                             meta_file=None)
    assert planned[0].stem == "H42.HS-1.0000003"
    assert planned[1].status == "failed" and "H42.HS-1.0000003" in planned[1].error.message


def test_a_record_code_that_is_not_a_safe_name_fails_that_document(tmp_path: Path) -> None:
    config = CONFIG.model_copy(update={"metadata": MetadataConfig(file_code="../{name}")})
    planned = plan_documents([_doc("a.tif", TIF)], inbox=tmp_path, grouping="file",
                             config=config, meta_file=None)
    assert planned[0].status == "failed"


def test_units_folder_grouping_moves_the_folder(tmp_path: Path) -> None:
    page = tmp_path / "doc1" / "p1.tif"
    assert unit_of(page, tmp_path, "folder") == tmp_path / "doc1"
    assert unit_of(tmp_path / "loose.tif", tmp_path, "folder") == tmp_path / "loose.tif"
    assert unit_of(page, tmp_path, "file") == page
    assert template_name("a/b/scan.tif") == "a_b_scan"


def test_an_unknown_template_field_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "trams.toml"
    cfg.write_text('[metadata]\nfile_code = "{agency}.{name}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="agency"):
        load_config(cfg)


class _FakeRecognizer:
    """Discovery only: the given documents (no page is recognized in these tests)."""

    grouping = "coversheet"

    def __init__(self, documents: list[DocumentSource]):
        self.documents = documents

    def check(self) -> None: ...

    def discover(self, inputs):  # noqa: ANN001, ANN201
        return Discovery(tuple(self.documents))

    def preflight(self, source):  # noqa: ANN001, ANN201
        return None

    def recognize(self, documents, workdir, on_page):  # noqa: ANN001, ANN201
        raise AssertionError("nothing should be recognized")


def test_an_entry_with_a_failed_document_goes_to_failed_even_if_another_is_done(
        tmp_path: Path) -> None:
    """One scanned file holding two documents (cover sheets): the first is already archived,
    the second has a bad record code. The file must go to .failed, never to .done."""
    from trams.archive import Archive
    from trams.pipeline import Stages, run_batch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    batch = inbox / "batch.tif"
    shutil.copy(TIF, batch)
    done = _doc("batch.tif#1", batch, record=RecordMetadata(fileCode="H42.HS-1"))
    bad = DocumentSource(name="batch.tif#2", pages=(SourcePage(batch, 1),),
                         record=RecordMetadata(fileCode="../escape"))
    config = CONFIG.model_copy(update={
        "inbox": CONFIG.inbox.model_copy(update={"path": inbox}),
        "archive": CONFIG.archive.model_copy(update={"path": tmp_path / "archive"})})
    with Archive.open(tmp_path / "archive", agency_code="H42.01") as archive:
        archive.record_status(source_hash([SourcePage(batch, 0)]), stage="archive",
                              status="archived")
    stages = Stages(_FakeRecognizer([done, bad]), open_signer=None, verifier=None)
    summary = run_batch(config, stages, move_done=True)
    assert [d.status for d in summary.documents] == ["skipped", "failed"]
    assert [m.to_dict() for m in summary.moved] == [
        {"from": str(batch), "to": str(inbox / ".failed" / "batch.tif"), "as": "failed"}]
    reason = (inbox / ".failed" / "batch.tif.reason.txt").read_text("utf-8")
    assert "batch.tif#2" in reason and "batch.tif#1" in reason  # failed, and already archived


def test_an_over_long_templated_subject_fails_that_document(tmp_path: Path) -> None:
    config = CONFIG.model_copy(update={"metadata": MetadataConfig(subject="{agency_name}" * 60)})
    planned = plan_documents([_doc("a.tif", TIF)], inbox=tmp_path, grouping="file",
                             config=config, meta_file=None)
    assert planned[0].status == "failed"
    assert "[metadata]" in planned[0].error.message


class _BornDigital(_FakeRecognizer):
    """Discovery and "recognition" of text PDFs, converted to PDF/A as they are."""

    grouping = "file"

    def recognize(self, documents, workdir, on_page):  # noqa: ANN001, ANN201
        from trams.models import BornDigitalDocument

        yield from (BornDigitalDocument(source=doc, text="văn bản") for doc in documents)


class _BrokenSigner:
    """A signer whose library fails on the first document's bytes (as pyHanko's zlib did on
    a damaged DSS) and refuses the second one as TRAMS would."""

    warnings = ()

    def __init__(self) -> None:
        self.calls: list[Path] = []

    def sign(self, src: Path, dst: Path):  # noqa: ANN201
        from trams.errors import SigningPolicyError

        self.calls.append(src)
        if len(self.calls) == 1:
            raise RuntimeError("Error -5 while decompressing data")
        raise SigningPolicyError("refused", code="no_signer_block")


def test_an_unforeseen_failure_on_one_document_fails_it_alone(tmp_path: Path) -> None:
    from contextlib import nullcontext

    from support.pdfs import make_pdf

    from trams.pipeline import Stages, run_batch

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first, second = make_pdf(inbox / "a.pdf"), make_pdf(inbox / "b.pdf", pages=2)
    config = CONFIG.model_copy(update={
        "inbox": CONFIG.inbox.model_copy(update={"path": inbox, "grouping": "file"}),
        "archive": CONFIG.archive.model_copy(update={"path": tmp_path / "archive"})})
    signer = _BrokenSigner()
    docs = [_doc("a.pdf", first, born_digital=True),
            _doc("b.pdf", *[second, second], born_digital=True)]
    stages = Stages(_BornDigital(docs), open_signer=lambda: nullcontext(signer), verifier=None)
    summary = run_batch(config, stages)
    assert summary.aborted is None and len(signer.calls) == 2  # the run went on
    assert [d.status for d in summary.documents] == ["failed", "failed"]
    unforeseen, refused = (d.error for d in summary.documents)
    assert "RuntimeError: Error -5 while decompressing data" in unforeseen.message
    assert unforeseen.path == first and unforeseen.exit_code == 1
    assert refused.code == "no_signer_block"
