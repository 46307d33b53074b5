"""The signer block found as a person reads a page, names compared as printed, and where
stamps go, on page texts written out line by line (fast, no PDF); the geometry of text
read back from a PDF; the override box in the document's metadata."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from trams.signing.freespace import nearest_free, overlaps
from trams.signing.pagetext import PageText, TextLine, parse_bbox_layout
from trams.signing.placement import (
    FLOOR_SIGNATURE_MM,
    PT_PER_MM,
    PageGeometry,
    leader_box,
    seal_box,
    seal_placement,
    text_stamp_box,
)
from trams.signing.signerblock import find_signer_block, is_name, same_name

from trams.errors import SigningPolicyError

ROOT = Path(__file__).resolve().parents[2]
SIGNATURE = ROOT / "samples" / "images" / "leader-signature.png"
SEAL = ROOT / "samples" / "images" / "agency-seal.png"
A4 = (0.0, 0.0, 595.0, 842.0)
PAGE = PageGeometry(0, media=A4, crop=A4)
H = 16.0  # line height of 14 pt text


def line(text: str, x0: float, top: float, x1: float | None = None) -> TextLine:
    """A line whose top is ``top`` points from the top of the page (as one reads it)."""
    width = x1 - x0 if x1 is not None else 6.5 * len(text)
    return TextLine(text, (x0, 842 - top - H, x0 + width, 842 - top))


def centred(text: str, centre: float, top: float) -> TextLine:
    width = 7.0 * len(text)
    return line(text, centre - width / 2, top, centre + width / 2)


def page(*lines: TextLine) -> PageText:
    return PageText(0, tuple(sorted(lines, key=lambda ln: -ln.y1)))


HEADER = [centred("ỦY BAN NHÂN DÂN", 160, 57), centred("XÃ TRÀ MY", 160, 73),
          centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 400, 57),
          centred("Độc lập - Tự do - Hạnh phúc", 400, 73),
          centred("Trà My, ngày 25 tháng 11 năm 2025", 400, 105)]
BODY = [line("Điều 1. Ban hành kèm theo Quyết định này Kế hoạch số hóa tài liệu", 85, 200, 538),
        line("lưu trữ của Ủy ban nhân dân xã; giao ông Nguyễn Văn Hùng chủ trì.", 85, 216, 538),
        line("Điều 2. Quyết định này có hiệu lực kể từ ngày ký./.", 85, 232, 400)]
RECIPIENTS = [line("Nơi nhận:", 85, 270), line("- Như Điều 2;", 85, 286),
              line("- Lưu: VT.", 85, 302)]


def block(*rows: tuple[str, float], centre: float = 420) -> list[TextLine]:
    return [centred(text, centre, top) for text, top in rows]


TM = block(("TM. ỦY BAN NHÂN DÂN", 270), ("CHỦ TỊCH", 286), ("Nguyễn Văn Hùng", 366))


def test_a_decree30_block_is_found_beside_the_recipients() -> None:
    found = find_signer_block(page(*HEADER, *BODY, *RECIPIENTS, *TM), page_box=A4)
    assert found is not None
    assert found.authority.text == "TM. ỦY BAN NHÂN DÂN"
    assert found.title == "CHỦ TỊCH" and found.printed_name == "Nguyễn Văn Hùng"
    bottom, top = found.gap
    assert top - bottom == pytest.approx(366 - 286 - H)


@pytest.mark.parametrize(("rows", "title"), [
    ((("CHỦ TỊCH", 270), ("Nguyễn Văn Hùng", 350)), "CHỦ TỊCH"),  # no authority line
    ((("KT. CHỦ TỊCH", 270), ("PHÓ CHỦ TỊCH", 286), ("Trần Thị Thủy", 366)), "PHÓ CHỦ TỊCH"),
    ((("TL. CHỦ TỊCH", 270), ("CHÁNH VĂN PHÒNG", 286), ("HĐND VÀ UBND XÃ", 302),
      ("A Lăng Thị Bích", 380)), "CHÁNH VĂN PHÒNG HĐND VÀ UBND XÃ"),  # a wrapped title
    ((("Q. CHỦ TỊCH", 270), ("PHÓ CHỦ TỊCH", 286), ("Y Moan Niê Kđăm", 366)), "PHÓ CHỦ TỊCH"),
])
def test_authority_lines_and_titles(rows, title) -> None:
    found = find_signer_block(page(*BODY, *RECIPIENTS, *block(*rows)), page_box=A4)
    assert found is not None and found.title == title
    assert found.printed_name == rows[-1][0]


def test_specks_in_the_scan_do_not_hide_the_block() -> None:
    """A speck of dust OCR read as a letter ("l") in the signature space, or on the title's
    line: still the block (a word, though, would not be: see the next test)."""
    specks = [*TM, centred("l", 430, 300), centred("'", 300, 330)]
    found = find_signer_block(page(*HEADER, *BODY, *RECIPIENTS, *specks), page_box=A4)
    assert found is not None and found.printed_name == "Nguyễn Văn Hùng"


def test_what_is_not_a_signer_block() -> None:
    # the leader named in the body, no block: nothing
    assert find_signer_block(page(*HEADER, *BODY, *RECIPIENTS), page_box=A4) is None
    # a centred name under a caps line, but the body goes on below it
    praise = block(("GIẤY KHEN", 300), ("Nguyễn Văn Hùng", 340), centre=300)
    more = [line("Đã có thành tích xuất sắc trong công tác chuyển đổi số năm 2025.", 85, 380,
                 538)]
    assert find_signer_block(page(*BODY, *praise, *more), page_box=A4) is None
    # something printed in the space between the title and the name
    filled = [*TM, centred("(đã ký)", 420, 320)]
    assert find_signer_block(page(*BODY, *RECIPIENTS, *filled), page_box=A4) is None
    # a block on the left half of the page (a second signer of minutes, say)
    left = block(("NGƯỜI GHI BIÊN BẢN", 270), ("Lê Văn Sáu", 350), centre=180)
    assert find_signer_block(page(*BODY, *left), page_box=A4) is None
    # "Nơi nhận:" far from the block: not the footer of this page
    far = [line("Nơi nhận:", 85, 700), line("- Lưu: VT.", 85, 716)]
    assert find_signer_block(page(*BODY, *far, *TM), page_box=A4) is None
    # the title in lower case is not a Decree 30 title line
    lower = block(("TM. ỦY BAN NHÂN DÂN", 270), ("Chủ tịch", 286), ("Nguyễn Văn Hùng", 366))
    assert find_signer_block(page(*BODY, *RECIPIENTS, *lower), page_box=A4) is None


def test_a_name_in_capitals_below_a_blank_space() -> None:
    caps = block(("TM. ỦY BAN NHÂN DÂN", 270), ("CHỦ TỊCH", 286), ("NGUYỄN VĂN HÙNG", 366))
    found = find_signer_block(page(*BODY, *RECIPIENTS, *caps), page_box=A4)
    assert found is not None and found.printed_name == "NGUYỄN VĂN HÙNG"
    assert found.authority is not None and found.title == "CHỦ TỊCH"
    assert same_name(found.printed_name, "Nguyễn Văn Hùng")
    # a title line straight under the authority is not taken for a name in capitals
    bare = block(("KT. CHỦ TỊCH", 270), ("PHÓ CHỦ TỊCH", 286))
    assert find_signer_block(page(*BODY, *RECIPIENTS, *bare), page_box=A4) is None


def test_a_turned_page_is_refused() -> None:
    from datetime import datetime

    from trams.signing.appearance import AppearanceOptions, plan

    from trams.errors import InputError

    turned = PageGeometry(0, media=A4, crop=A4, rotate=90)
    with pytest.raises(InputError, match="turned"):
        plan("copy", "agency", options=AppearanceOptions(), signer_name="UBND xã Trà My",
             signer_title=None, page=turned, text=page(*BODY), leader_widget=None,
             signing_time=datetime(2025, 12, 2))


def test_the_lowest_block_is_the_signers() -> None:
    upper = block(("TM. BAN CHỈ ĐẠO", 120), ("TRƯỞNG BAN", 136), ("Lê Văn Sáu", 200))
    found = find_signer_block(page(*upper, *RECIPIENTS, *TM), page_box=A4)
    assert found is not None and found.printed_name == "Nguyễn Văn Hùng"


def test_names_compare_as_printed() -> None:
    assert same_name("NGUYỄN VĂN HÙNG", "Nguyễn Văn Hùng")  # case-insensitive
    assert same_name(unicodedata.normalize("NFD", "Nguyễn Văn Hùng"), "Nguyễn Văn Hùng")
    assert same_name("Nguyễn Văn Hùng.", "Nguyễn Văn Hùng")  # an OCR speck
    assert same_name("Nguyễn  Văn Hùng", None, "Nguyễn Văn Hùng")
    assert not same_name("Nguyễn Văn Hưng", "Nguyễn Văn Hùng")  # diacritics count
    assert not same_name("Nguyen Van Hung", "Nguyễn Văn Hùng")
    assert not same_name("Trần Thị Thủy", "Nguyễn Văn Hùng", None)
    assert is_name("A Lăng Thị Bích") and is_name("H'Hen Niê")
    assert not is_name("CHỦ TỊCH") and not is_name("Nơi nhận:") and not is_name("Hùng")
    assert not is_name("Độc lập - Tự do - Hạnh phúc") and not is_name("Trà My, ngày 25")


def test_signature_image_fills_the_space_down_to_the_floor() -> None:
    def gap(space: float):
        rows = block(("TM. ỦY BAN NHÂN DÂN", 270), ("CHỦ TỊCH", 286),
                     ("Nguyễn Văn Hùng", 286 + H + space))
        text = page(*BODY, *RECIPIENTS, *rows)
        return find_signer_block(text, page_box=A4), text

    found, text = gap(62)  # four blank lines at 14 pt
    placed = leader_box(found, text, PAGE, SIGNATURE)
    bottom, top = found.gap
    assert bottom < placed.box[1] < placed.box[3] < top and not placed.notes
    assert placed.box[0] < found.name.centre < placed.box[2]
    assert (placed.box[0] + placed.box[2]) / 2 == pytest.approx(found.name.centre)
    found, text = gap(29)  # two blank lines: signed smaller, and the result says so
    placed = leader_box(found, text, PAGE, SIGNATURE)
    assert placed.box[3] - placed.box[1] >= FLOOR_SIGNATURE_MM * PT_PER_MM
    assert placed.notes and "tight space" in placed.notes[0]
    found, text = gap(14)  # one blank line: refused for review
    with pytest.raises(SigningPolicyError, match="floor"):
        leader_box(found, text, PAGE, SIGNATURE)


def test_signature_image_keeps_off_the_recipients_column() -> None:
    long = [line("- Các phòng, ban chuyên môn thuộc Ủy ban nhân dân;", 85, 318, 330)]
    text = page(*BODY, *RECIPIENTS, *long, *TM)
    found = find_signer_block(text, page_box=A4)
    placed = leader_box(found, text, PAGE, SIGNATURE)
    assert placed.box[0] >= 330 and not any(overlaps(placed.box, ln.box) for ln in long)


def test_seal_over_the_left_third_and_clear_of_the_body() -> None:
    text = page(*BODY, *RECIPIENTS, *TM)
    found = find_signer_block(text, page_box=A4)
    leader = leader_box(found, text, PAGE, SIGNATURE).box
    seal = seal_placement(leader, SEAL, 36, text, PAGE).box
    assert seal == seal_box(leader, SEAL, 36)
    assert seal[2] == pytest.approx(leader[0] + (leader[2] - leader[0]) / 3)
    assert seal[2] - seal[0] == pytest.approx(36 * PT_PER_MM)
    # body text just above the block: the seal moves down, still on the signature
    close = [line("Điều 3. Quyết định này có hiệu lực kể từ ngày ký./.", 85, 254, 538)]
    text = page(*BODY, *close, *RECIPIENTS, *TM)
    moved = seal_placement(leader, SEAL, 36, text, PAGE).box
    assert not overlaps(moved, close[0].box)
    assert moved[1] < (leader[1] + leader[3]) / 2 < moved[3]


def test_text_stamps_move_to_the_nearest_free_place_or_fail() -> None:
    start_free = text_stamp_box((120, 40), PAGE, page(*BODY), right=True)
    assert start_free.box[3] == pytest.approx(842 - 5 * PT_PER_MM) and not start_free.notes
    high = [line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 300, 20, 560),
            line("Độc lập - Tự do - Hạnh phúc", 340, 36, 520)]
    moved = text_stamp_box((120, 40), PAGE, page(*high, *BODY), right=True)
    assert not any(overlaps(moved.box, ln.box) for ln in high + BODY)
    assert moved.box[2] <= 595 - 10 * PT_PER_MM + 0.01 and moved.notes
    full = [line("x" * 90, 10, top, 585) for top in range(0, 842, 14)]
    with pytest.raises(SigningPolicyError, match="no free place"):
        text_stamp_box((120, 40), PAGE, page(*full), right=True)
    assert nearest_free((0, 0, 10, 10), [(0, 0, 100, 100)], bounds=(0, 0, 100, 100),
                        toward=-1) is None
    # a page without a text layer: the corner, and a note that nothing was checked
    blind = text_stamp_box((120, 40), PAGE, page(), right=False)
    assert blind.box[0] == pytest.approx(10 * PT_PER_MM) and "no text layer" in blind.notes[0]


def test_pdftotext_boxes_become_user_space() -> None:
    xhtml = b"""<html xmlns="http://www.w3.org/1999/xhtml"><body><doc>
      <page width="595.28" height="841.89"><flow><block>
      <line xMin="85" yMin="270" xMax="400" yMax="286">
        <word xMin="85" yMin="270" xMax="140" yMax="286">N\xc6\xa1i</word>
        <word xMin="143" yMin="270" xMax="190" yMax="286">nh\xe1\xba\xadn:</word>
        <word xMin="330" yMin="270" xMax="400" yMax="286">CH\xe1\xbb\xa6</word>
      </line></block></flow></page></doc></body></html>"""
    text = parse_bbox_layout(xhtml, index=0, media=(100.0, 200.0, 695.28, 1041.89))
    # the column gap splits poppler's line; boxes move to the MediaBox's user space
    assert [ln.text for ln in text.lines] == ["Nơi nhận:", "CHỦ"]
    assert text.lines[0].box == pytest.approx((185, 1041.89 - 286, 290, 1041.89 - 270))


def test_signature_box_in_the_document_metadata(tmp_path) -> None:
    from datetime import datetime

    from pydantic import ValidationError
    from trams.scanning.coversheet import CoverSheet, parse_payload

    from trams.metadata import DocumentMetadata, RecordMetadata
    from trams.metadata_io import load_metadata
    from trams.pdf.xmp import build_xmp, read_metadata

    doc = DocumentMetadata(sequence=3, subject="Quyết định", signatureBox="330, 95, 520, 165")
    assert doc.signature_box() == (330, 95, 520, 165)
    for bad in ("330,95,520", "520,95,330,165", "a,b,c,d"):
        with pytest.raises(ValidationError):
            DocumentMetadata(signatureBox=bad)
    record = RecordMetadata(fileCode="H42.01.2025.HS-7")
    packet = build_xmp(record, doc, part=2, conformance="b", created=datetime(2025, 12, 2))
    assert read_metadata(packet)[1].signature_box() == (330, 95, 520, 165)
    sheet = parse_payload(CoverSheet(record, doc).payload())
    assert sheet is not None and sheet.document.signatureBox == doc.signatureBox
    meta = tmp_path / "meta.toml"
    meta.write_text('[record]\nfileCode = "H42.01.2025.HS-7"\n[[documents]]\nsource = "a.tif"\n'
                    'signatureBox = "330,95,520,165"\n', encoding="utf-8")
    found = load_metadata(meta).for_document("a.tif", 0)
    assert found is not None and found[1].signature_box() == (330, 95, 520, 165)


def test_a_fixed_box_in_trams_toml_is_refused_with_the_way_out() -> None:
    from pydantic import ValidationError

    from trams.config import SigningConfig

    with pytest.raises(ValidationError, match="signatureBox"):
        SigningConfig.model_validate({"signature_box": [340, 60, 500, 140]})
