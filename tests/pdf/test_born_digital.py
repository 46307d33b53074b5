"""PDFs that already have text: a document exported from Word goes to PDF/A as it is (no OCR,
its own fonts and text); a scan with an OCR layer is recognized again by default, or kept
as it is on request; an owner password is no obstacle. Inputs made here by LibreOffice
(``soffice --headless --convert-to pdf``) and by trams.pdf itself."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest
from PIL import Image
from support.office import word_pdf
from support.pdftools import pdftotext
from trams.cli.main import run

from trams.models import Line, Word
from trams.pdf import xmp
from trams.pdf.assemble import write_pdfa
from trams.pdf.xmp import read_metadata


@pytest.fixture(scope="module")
def word(tmp_path_factory) -> Path:
    """A Vietnamese decision written as .docx and exported to PDF by LibreOffice."""
    return word_pdf(tmp_path_factory.mktemp("word"))


def _fonts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return sorted(line.split()[0] for line in out.splitlines()[2:] if line.strip())


def _ocr(args: list[str], capsys) -> tuple[int, dict]:
    capsys.readouterr()
    code = run(["ocr", "--json", "--report", "--jobs", "1", *args])
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out.strip() else {"err": out.err}


def _custom_xmp(finding) -> bool:
    """pikepdf's validator does not know PDF/A extension schemas (see test_pdfa.py)."""
    text = str(finding)
    return ("6.7.9-2" in text or "6.6.2.3.1-1" in text) and any(
        key in text for key in ("pdfaExtension", "pdfaSchema", "pdfaProperty",
                                xmp.PREFIX_RECORD, xmp.PREFIX_DOCUMENT))


def test_word_export_becomes_pdfa_as_it_is(word, tmp_path, capsys) -> None:
    meta = tmp_path / "meta.toml"
    meta.write_text('[record]\nfileCode = "000.00.00.H42.2025.HS-07"\ntitle = "Hồ sơ ban hành"\n'
                    '[[documents]]\nsequence = 3\nsubject = "Kế hoạch số hóa tài liệu"\n',
                    encoding="utf-8")
    code, summary = _ocr([str(word), "-o", str(tmp_path / "out"), "--metadata", str(meta)],
                         capsys)
    assert code == 0, summary
    [entry] = summary["documents"]
    out = Path(entry["pdf"]["path"])
    assert entry["pdf"]["pdfa"] == "2b" and entry["verdict"] == "ok"
    report = json.loads(Path(entry["report"]).read_text(encoding="utf-8"))
    assert report["born_digital"] and [p["kind"] for p in report["pages"]] == ["text"]
    # as it is: the same fonts (embedded by LibreOffice), the same text, no OCR layer
    assert _fonts(out) == _fonts(word)
    assert " ".join(pdftotext(out).split()) == " ".join(pdftotext(word).split())
    assert "Điều 1. Tài liệu được số hóa" in pdftotext(out)
    # PDF/A-2b by pikepdf's validator (our archival XMP aside), qpdf, and the metadata
    validation = pikepdf.pdfa.validate_written(out, "2b")
    assert not [f for f in validation.findings if not _custom_xmp(f)], validation.summary(20)
    check = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    with pikepdf.open(out) as pdf:
        assert not pdf.is_encrypted
        assert pdf.open_metadata()["pdfaid:part"] == "2"
        record, doc = read_metadata(pdf.Root.Metadata.read_bytes())
    assert record.fileCode == "000.00.00.H42.2025.HS-07" and doc.sequence == 3


def test_owner_password_is_no_obstacle(word, tmp_path, capsys) -> None:
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(word) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="văn thư", user="",
                                                        allow=pikepdf.Permissions(modify_other=False)))
    code, summary = _ocr([str(locked), "-o", str(tmp_path / "out")], capsys)
    assert code == 0, summary
    out = Path(summary["documents"][0]["pdf"]["path"])
    with pikepdf.open(out) as pdf:
        assert not pdf.is_encrypted  # PDF/A forbids encryption
    assert "Điều 1" in pdftotext(out)


def test_fonts_that_are_not_embedded_are_refused_with_the_reason(tmp_path, capsys) -> None:
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.TrueType,
                                                BaseFont=pikepdf.Name("/TimesNewRomanPSMT"),
                                                Encoding=pikepdf.Name.WinAnsiEncoding))
    page = pdf.add_blank_page(page_size=(595, 842))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Quyet dinh) Tj ET")
    pdf.save(tmp_path / "printed.pdf")
    code, summary = _ocr([str(tmp_path / "printed.pdf"), "-o", str(tmp_path / "out")], capsys)
    assert code == 4
    [failure] = summary["failures"]
    assert "printed.pdf" in failure["line"] and "not embedded" in failure["message"]
    assert "fonts embedded" in failure["hint"]  # what to do
    assert not (tmp_path / "out" / "printed.pdf").exists()


def test_attached_files_are_refused_not_carried_into_a_false_pdfa(word, tmp_path,
                                                                  capsys) -> None:
    """A PDF/A-3 export with an XML attached (as e-invoices carry): PDF/A-2 keeps only
    PDF/A attachments, which pikepdf's check does not verify. It used to be written as
    PDF/A-2b with the XML inside, a false claim; now it is refused with the names."""
    attached = tmp_path / "with-xml.pdf"
    with pikepdf.open(word) as pdf:
        pdf.attachments["du-lieu.xml"] = pikepdf.AttachedFileSpec(
            pdf, b"<hoadon/>", mime_type="text/xml")
        pdf.save(attached)
    code, summary = _ocr(["--lang", "en", str(attached), str(tmp_path / "out.pdf")], capsys)
    assert code == 4, summary
    [failure] = summary["failures"]
    assert failure["code"] == "pdf_has_attachments"
    assert "du-lieu.xml" in failure["message"] and "on their own" in failure["hint"]
    assert not (tmp_path / "out.pdf").exists()


def _with_form_field(pdf: pikepdf.Pdf, *, drawn: bool) -> None:
    """A text field on page 1, marked NeedAppearances; ``drawn``: with its appearance."""
    page = pdf.pages[0]
    widget = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
        T=pikepdf.String("ho_ten"), V=pikepdf.String("Nguyễn Văn A"), F=4,
        Rect=[100, 100, 300, 120], P=page.obj))
    if drawn:
        widget.AP = pikepdf.Dictionary(N=pdf.make_stream(
            b"0 0 0 rg 0 0 200 20 re S", Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form, BBox=[0, 0, 200, 20]))
    page.Annots = pdf.make_indirect(pikepdf.Array([widget]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([widget]),
                                           NeedAppearances=True)


def test_scripts_and_forms_are_made_what_pdfa_asks_or_refused(word, tmp_path,
                                                              capsys) -> None:
    """What pikepdf's check only calls 'not supported': a script run on opening and
    trigger actions are removed (noted), a drawn form loses its NeedAppearances flag; a
    field with no appearance is refused. Each used to be written as PDF/A-2b as it was."""
    scripted, drawn, undrawn = (tmp_path / f"{n}.pdf" for n in ("js", "drawn", "undrawn"))
    with pikepdf.open(word) as pdf:
        pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1);")))
        pdf.Root.AA = pikepdf.Dictionary(WC=pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(2);")))
        pdf.save(scripted)
    for path, is_drawn in ((drawn, True), (undrawn, False)):
        with pikepdf.open(word) as pdf:
            _with_form_field(pdf, drawn=is_drawn)
            pdf.save(path)
    code, summary = _ocr(["--lang", "en", str(scripted), str(drawn), str(undrawn), "-o",
                          str(tmp_path / "out")], capsys)
    assert code == 5, summary  # partial: one refused
    notes = {d["document"]: d["notes"] for d in summary["documents"]}
    assert "a script run on opening the document removed (PDF/A forbids scripts)" in \
        notes["js.pdf"]
    assert "trigger actions (scripts) removed: 1" in notes["js.pdf"]
    assert "the form's fields are shown as drawn (NeedAppearances cleared)" in \
        notes["drawn.pdf"]
    with pikepdf.open(tmp_path / "out" / "js.pdf") as pdf:
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
    with pikepdf.open(tmp_path / "out" / "drawn.pdf") as pdf:
        assert pdf.Root.AcroForm.NeedAppearances is False
    [failure] = summary["failures"]
    assert failure["document"] == "undrawn.pdf" and failure["code"] == "pdfa_not_convertible"
    assert "without a drawn appearance (Widget)" in failure["message"]


def test_a_value_pdfa_forbids_is_named_not_its_pattern(word, tmp_path) -> None:
    """A catalog declaring PDF 2.0 (DSS's muestra-firmado-firmado.pdf does): the clerk reads
    where and what the value is, not the validator's regular expression."""
    from trams.errors import InputError
    from trams.pdf.convert import inspect

    with pikepdf.open(word) as pdf:
        pdf.Root.Version = pikepdf.Name("/2.0")
        pdf.save(tmp_path / "pdf20.pdf")
    with pytest.raises(InputError) as refused:
        inspect(tmp_path / "pdf20.pdf")
    assert "Catalog /Version is /2.0, which PDF/A does not allow" in refused.value.message
    assert "does not match" not in refused.value.message


def _scan_with_ocr_layer(ref_dir: Path, work: Path) -> Path:
    """A scanned page whose OCR layer (made by an earlier OCR, invisible text in an embedded
    glyphless font) says something the page does not."""
    from trams.models import PageQuality, RecognizedPage, SourcePage
    from trams.pdf.images import encode_page

    image = Image.open(ref_dir / "page01.tif").crop((0, 0, 2480, 1150))
    encoded = encode_page(image, work / "scan")
    words = (Word("LỚP", (400, 300, 520, 350), 90.0), Word("CHỮ", (540, 300, 660, 350), 90.0),
             Word("CŨ", (680, 300, 760, 350), 90.0))
    page = RecognizedPage(SourcePage(work / "scan.tif"), encoded, (300.0, 300.0),
                          (Line(words, (400, 300, 760, 350)),), PageQuality(dpi=300))
    return write_pdfa([page], None, None, work / "scanner-ocr.pdf").path


def test_ocr_layer_is_recognized_again_by_default_or_kept(ref_dir, tmp_path, capsys) -> None:
    source = _scan_with_ocr_layer(ref_dir, tmp_path)
    assert "LỚP CHỮ CŨ" in pdftotext(source)
    code, summary = _ocr([str(source), "-o", str(tmp_path / "redo")], capsys)
    assert code == 0, summary
    redone = pdftotext(Path(summary["documents"][0]["pdf"]["path"]))
    assert "LỚP CHỮ CŨ" not in redone and "QUYẾT ĐỊNH" in redone
    code, summary = _ocr([str(source), "-o", str(tmp_path / "keep"), "--keep-ocr-layer"],
                         capsys)
    assert code == 0, summary
    kept = Path(summary["documents"][0]["pdf"]["path"])
    assert "LỚP CHỮ CŨ" in pdftotext(kept)
    report = json.loads(Path(summary["documents"][0]["report"]).read_text(encoding="utf-8"))
    assert report["born_digital"] and report["pages"][0]["kind"] == "ocr_layer"


def test_a_scanned_page_inside_a_word_export_is_kept_and_flagged(word, ref_dir, tmp_path,
                                                                  capsys) -> None:
    scan = tmp_path / "scan.pdf"
    Image.open(ref_dir / "page02.tif").crop((0, 0, 2480, 900)).save(scan, resolution=300)
    mixed = tmp_path / "with-attachment.pdf"
    with pikepdf.open(word) as pdf, pikepdf.open(scan) as extra:
        pdf.pages.append(extra.pages[0])
        pdf.save(mixed)
    code, summary = _ocr([str(mixed), "-o", str(tmp_path / "out")], capsys)
    assert code == 0, summary
    [entry] = summary["documents"]
    assert entry["pdf"]["pages"] == 2 and entry["verdict"] == "review"
    assert any("2" in note and "without text" in note for note in entry["notes"]), entry


def test_born_digital_report_shape(word, tmp_path) -> None:
    """The quality report of a born-digital document has no OCR figures, only page kinds."""
    from trams.scanning import ScanOptions, discover, recognize_documents

    from trams.models import BornDigitalDocument
    from trams.pdf.report import quality_report

    [doc] = recognize_documents(discover([word]).documents, ScanOptions(), jobs=1,
                                workdir=tmp_path)
    assert isinstance(doc, BornDigitalDocument) and doc.page_count == 1
    result = write_pdfa(doc, None, None, tmp_path / "o.pdf")
    report = quality_report(doc, result)
    assert report.to_dict()["pages"] == [{"number": 1, "file": str(word), "index": 0,
                                          "kind": "text"}]
    assert dataclasses.asdict(doc)["text"].strip().startswith("ỦY BAN NHÂN DÂN")
