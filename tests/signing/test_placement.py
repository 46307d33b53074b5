"""Issued documents made the way offices make them (Word files exported by LibreOffice;
PDFs from fpdf2, reportlab and pikepdf), signed with `trams sign`: the leader's signature
goes in the document's own signer block, only when the block prints the key holder's name;
the pages are rendered (pdftoppm) and the stamps checked against the text boxes (pdftotext).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.decree30 import ARTICLES, Decree30Doc, SignerBlock, build_pdfs
from support.pki import write_config
from support.producers import fpdf2_decision, odd_page_tree, reportlab_decision
from support.stamps import check_decree30, find_line, issued_stamps, text_lines
from trams.cli.main import run

from trams.errors import ExitCode

CHAIRMAN = "Nguyễn Văn Hùng"  # the demo PKI's leader (title "Chủ tịch")
DEPUTY = "Trần Thị Thủy"  # the demo PKI's leader-ec (title "Phó Chủ tịch")
TM = SignerBlock("CHỦ TỊCH", CHAIRMAN, "TM. ỦY BAN NHÂN DÂN")
KT = SignerBlock("PHÓ CHỦ TỊCH", DEPUTY, "KT. CHỦ TỊCH")
PRAISE = ("Điều 2. Tặng Giấy khen cho ông Nguyễn Văn Hùng, Chủ tịch Ủy ban nhân dân xã, đã có "
          "thành tích xuất sắc trong công tác chuyển đổi số năm 2025.")

DOCS = [
    # the chairman signs a decision in his own name: no authority line
    Decree30Doc("chairman", SignerBlock("CHỦ TỊCH", CHAIRMAN),
                issuer="CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ TRÀ MY"),
    Decree30Doc("tm", TM, font="Liberation Serif", size=13),
    Decree30Doc("deputy", KT),
    Decree30Doc("tight", SignerBlock("CHỦ TỊCH", CHAIRMAN, "TM. ỦY BAN NHÂN DÂN",
                                     blank_lines=2)),
    Decree30Doc("cramped", SignerBlock("CHỦ TỊCH", CHAIRMAN, "TM. ỦY BAN NHÂN DÂN",
                                       blank_lines=1)),
    Decree30Doc("two-pages", TM, repeat_articles=4),
    Decree30Doc("other-title", SignerBlock("PHÓ CHỦ TỊCH", CHAIRMAN, "KT. CHỦ TỊCH")),
    # the leader named in the body only: no signer block at all
    Decree30Doc("body-only", None, articles=(ARTICLES[0], PRAISE, ARTICLES[2])),
    # another person's block, the leader named in the body
    Decree30Doc("other-block", KT, articles=(ARTICLES[0], PRAISE, ARTICLES[2])),
    Decree30Doc("no-block", None),
    # a header printed high on the page (8 mm margin): the copy stamp's corner is taken
    Decree30Doc("high-header", TM, top_margin_mm=8),
]


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("decree30")
    pdfs = build_pdfs(DOCS, folder)
    pdfs["fpdf2"] = fpdf2_decision(folder / "fpdf2.pdf", TM)
    pdfs["reportlab"] = reportlab_decision(folder / "reportlab.pdf", TM)
    pdfs["page-tree"] = odd_page_tree(pdfs["tm"], folder / "page-tree.pdf")
    return pdfs


def sign(tmp_path: Path, config: Path, inputs: list[Path], *extra: str,
         capsys) -> tuple[int, dict, Path]:
    out = tmp_path / "out"
    capsys.readouterr()
    code = run(["--lang", "en", "--config", str(config), "sign", *map(str, inputs), "-o",
                str(out), "--level", "B-B", "--json", *extra])
    return code, json.loads(capsys.readouterr().out), out


def last_page(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return len(doc.pages)


def check_page(source: Path, signed: Path, work: Path, *, title: str, name: str) -> None:
    page = last_page(source)
    lines = text_lines(source, page)
    footer = find_line(lines, "Nơi nhận:").box[1]
    stamps = issued_stamps(signed, lines, page, title=title, name=name, work=work,
                           body_ends=footer)
    check_decree30(stamps)


SIGNED_BY_CHAIRMAN = ("chairman", "tm", "tight", "two-pages", "other-title", "fpdf2",
                      "reportlab", "page-tree")


def test_chairman_signs_only_where_his_name_is_printed(pki, documents, tmp_path, capsys,
                                                       secrets_env):
    config = write_config(tmp_path, pki)
    names = [*SIGNED_BY_CHAIRMAN, "deputy", "cramped", "body-only", "other-block", "no-block"]
    code, summary, out = sign(tmp_path, config, [documents[n] for n in names], capsys=capsys)
    assert code == ExitCode.PARTIAL
    signed = {Path(s["source"]).stem: s for s in summary["signed"]}
    failed = {Path(f["source"]).stem: f for f in summary["failed"]}
    assert sorted(signed) == sorted(SIGNED_BY_CHAIRMAN)
    for name in SIGNED_BY_CHAIRMAN:
        check_page(documents[name], out / f"{name}.pdf", tmp_path / name, title="CHỦ TỊCH"
                   if name != "other-title" else "PHÓ CHỦ TỊCH", name=CHAIRMAN)
    # refused: nothing written, a reason naming both the printed name and the key holder
    assert sorted(p.stem for p in out.iterdir()) == sorted(SIGNED_BY_CHAIRMAN)
    for name in ("deputy", "other-block"):
        assert failed[name]["error"] == "SigningPolicyError"
        assert f"prints '{DEPUTY}'" in failed[name]["message"]
        assert f"belongs to '{CHAIRMAN}'" in failed[name]["message"]
    for name in ("body-only", "no-block"):
        assert "no signer block" in failed[name]["message"]
        assert CHAIRMAN in failed[name]["message"]
    assert "under the 7.5 mm floor" in failed["cramped"]["message"]
    # what the result says beside the signature
    # (each warning: its machine code and its message)
    assert any(w["code"] == "signature_space_tight" and "tight space" in w["message"]
               for w in signed["tight"]["warnings"])
    assert not any("tight space" in w["message"] for w in signed["tm"]["warnings"])
    assert any(w["code"] == "signer_title_differs" and "prints the title 'PHÓ CHỦ TỊCH'"
               in w["message"] and "'Chủ tịch'" in w["message"]
               for w in signed["other-title"]["warnings"])
    assert not any("title" in w["message"] for w in signed["chairman"]["warnings"])


def test_deputy_signs_in_the_kt_block(pki, documents, tmp_path, capsys, secrets_env):
    config = write_config(tmp_path, pki, leader="leader-ec")
    code, summary, out = sign(tmp_path, config, [documents["deputy"], documents["tm"]],
                              capsys=capsys)
    assert code == ExitCode.PARTIAL
    assert [Path(s["source"]).stem for s in summary["signed"]] == ["deputy"]
    (failure,) = summary["failed"]
    assert f"prints '{CHAIRMAN}'" in failure["message"]
    assert f"belongs to '{DEPUTY}'" in failure["message"]
    check_page(documents["deputy"], out / "deputy.pdf", tmp_path / "deputy",
               title="PHÓ CHỦ TỊCH", name=DEPUTY)


def test_display_name_when_the_certificate_spells_the_name_otherwise(
        pki, documents, tmp_path, capsys, secrets_env):
    """A key whose CN is not the name printed on the documents (here the deputy's key, given
    the chairman's name as display_name) signs where the block prints the display name."""
    leader = (f'kind = "pkcs12"\npath = "{pki.p12("leader-ec")}"\n'
              f'secret_env = "TRAMS_TEST_P12"\ndisplay_name = "{CHAIRMAN}"\n')
    config = write_config(tmp_path, pki, leader_src=leader)
    code, summary, _out = sign(tmp_path, config, [documents["tm"], documents["no-block"]],
                               capsys=capsys)
    assert code == ExitCode.PARTIAL
    (signed,) = summary["signed"]
    assert Path(signed["source"]).stem == "tm"
    # the certificate's title (Phó Chủ tịch) is not the printed one: a warning
    assert any("prints the title 'CHỦ TỊCH'" in w["message"] and "'Phó Chủ tịch'"
               in w["message"] for w in signed["warnings"])
    (failure,) = summary["failed"]
    assert CHAIRMAN in failure["message"]


def test_signature_box_for_one_file_only(pki, documents, tmp_path, capsys, secrets_env):
    config = write_config(tmp_path, pki)
    code, summary, out = sign(tmp_path, config, [documents["no-block"]],
                              "--signature-box", "360,120,520,180", capsys=capsys)
    assert code == 0
    (result,) = summary["signed"]
    assert any("--signature-box" in w["message"] and "not checked" in w["message"]
               and w["code"] == "signer_block_not_checked" for w in result["warnings"])
    capsys.readouterr()
    code = run(["--lang", "en", "--config", str(config), "sign", str(documents["tm"]),
                str(documents["chairman"]), "-o", str(tmp_path / "two"), "--signature-box",
                "360,120,520,180"])
    assert code == ExitCode.CONFIG
    assert "one document" in capsys.readouterr().err
    assert not (tmp_path / "two").exists()
    code = run(["--lang", "en", "--config", str(config), "sign", str(documents["tm"]), "-o",
                str(tmp_path / "off"), "--level", "B-B", "--signature-box", "600,120,700,180"])
    assert code == ExitCode.INPUT
    assert "outside the last page" in capsys.readouterr().err
    assert not (tmp_path / "off").exists() or not any((tmp_path / "off").iterdir())


def widget_boxes(pdf: Path) -> dict[str, tuple[float, ...]]:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf.read_bytes()), strict=False)
    return {s.field_name: tuple(float(v) for v in s.sig_field["/Rect"])
            for s in reader.embedded_regular_signatures}


@pytest.mark.parametrize("profile", ["copy", "attachment"])
def test_text_stamps_keep_their_corner_and_cover_no_text(pki, documents, tmp_path, capsys,
                                                         secrets_env, profile):
    config = write_config(tmp_path, pki)
    extra = ("--doc-number", "Số: 125/QĐ-UBND") if profile == "attachment" else ()
    code, summary, out = sign(tmp_path, config, [documents["tm"], documents["high-header"]],
                              "--profile", profile, *extra, capsys=capsys)
    assert code == 0, summary
    notes = {Path(s["source"]).stem: s["warnings"] for s in summary["signed"]}
    for name in ("tm", "high-header"):
        (box,) = widget_boxes(out / f"{name}.pdf").values()
        height = 841.89
        lines = text_lines(documents[name], 1)
        for ln in lines:  # pdftotext boxes (y down) against the widget (y up)
            x0, top, x1, bottom = ln.box
            assert not (box[0] < x1 and x0 < box[2] and box[1] < height - top
                        and height - bottom < box[3]), (name, ln)
        assert box[2] > 595 / 2  # still on the right
    (box,) = widget_boxes(out / "tm.pdf").values()
    assert box[3] > height - 15 and not notes["tm"]  # in the top margin, at the corner
    assert any(n["code"] == "stamp_text_moved" and "moved" in n["message"]
               for n in notes["high-header"])


def test_metadata_box_places_a_page_trams_cannot_read(pki, documents, tmp_path, capsys,
                                                      secrets_env):
    """A page without a readable block, given its box in its own metadata (as `trams ocr
    --metadata` or a cover sheet writes it into the PDF/A's XMP)."""
    from datetime import datetime

    import pikepdf

    from trams.metadata import DocumentMetadata, RecordMetadata
    from trams.pdf.xmp import build_xmp

    src = tmp_path / "with-box.pdf"
    with pikepdf.open(documents["no-block"]) as pdf:
        packet = build_xmp(RecordMetadata(fileCode="H42.01.2025.HS-9"),
                           DocumentMetadata(signatureBox="330,95,520,165"), part=2,
                           conformance="b", created=datetime(2025, 12, 2))
        pdf.Root.Metadata = pdf.make_stream(packet, Type=pikepdf.Name.Metadata,
                                            Subtype=pikepdf.Name.XML)
        pdf.save(src)
    config = write_config(tmp_path, pki)
    code, summary, out = sign(tmp_path, config, [src, documents["no-block"]], capsys=capsys)
    assert code == ExitCode.PARTIAL
    (signed,) = summary["signed"]
    assert Path(signed["source"]).name == "with-box.pdf"
    assert any("signatureBox" in w["message"] and "not checked" in w["message"]
               for w in signed["warnings"])
    leader = widget_boxes(out / "with-box.pdf")["Leader"]
    assert 330 <= leader[0] < leader[2] <= 520 and 95 <= leader[1] < leader[3] <= 165
