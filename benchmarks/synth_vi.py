# ruff: noqa: E501 - the sentences of real documents are kept whole
"""Synthetic Vietnamese administrative documents for the search benchmark (and its tests).

Seeded and deterministic: ``documents(n, seed)`` yields the same ``n`` documents every time.
Each has realistic metadata (agency, record and document codes of Circular 05/2025, document
type, number and notation, dates, the leader who signed, one-stop dossier codes of Circular
01/2023 for some records) and about two pages of text built from the phrases of real
decisions, official letters, reports and minutes, with names, places, dates and numbers.
Nothing here is OCR output: the benchmark measures the index, not recognition.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Đoàn")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Xuân", "Thu", "Kim",
          "Công", "Đình", "Bảo", "Hồng")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Đạt", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quang", "Sơn", "Tâm", "Thảo",
         "Thắng", "Thủy", "Trang", "Trung", "Tuấn", "Việt", "Xuân", "Yến", "Khánh", "Lộc",
         "Nhung", "Oanh", "Quyên", "Tùng", "Vân", "Đông", "Giang", "Hiếu")
COMMUNES = ("Trà My", "Tam Kỳ", "Điện Bàn", "Hội An", "Núi Thành", "Thăng Bình", "Quế Sơn",
            "Duy Xuyên", "Đại Lộc", "Tiên Phước", "Phú Ninh", "Nông Sơn", "Hiệp Đức",
            "Bắc Trà My", "Phước Sơn", "Đông Giang", "Tây Giang", "Nam Giang", "Tam Thanh",
            "Bình Minh")
VILLAGES = ("thôn Đông Yên", "thôn Tây Hồ", "thôn Phú Lộc", "thôn An Hòa", "khối phố 3",
            "tổ dân phố Cẩm Hà", "thôn Trung Phước", "thôn Bình Đào", "thôn Mỹ Sơn",
            "khu phố Thanh Hà")
# Document types of Circular 05/2025 (typeName codes) with their names and notations.
TYPES = (("01", "Nghị quyết", "NQ"), ("02", "Quyết định", "QĐ"), ("03", "Chỉ thị", "CT"),
         ("05", "Thông báo", "TB"), ("07", "Kế hoạch", "KH"), ("10", "Báo cáo", "BC"),
         ("11", "Biên bản", "BB"), ("12", "Tờ trình", "TTr"), ("21", "Công văn", "CV"),
         ("16", "Giấy chứng nhận", "GCN"), ("29", "Đơn đề nghị", "ĐĐN"))
TYPE_WEIGHTS = (2, 30, 2, 8, 6, 10, 6, 8, 22, 3, 3)
TOPICS = ("giao đất ở", "cấp giấy chứng nhận quyền sử dụng đất", "bồi thường giải phóng mặt bằng",
          "hỗ trợ hộ nghèo", "xây dựng nông thôn mới", "phòng chống lụt bão",
          "tiêm chủng mở rộng", "sửa chữa trường tiểu học", "nâng cấp đường giao thông nông thôn",
          "chuyển mục đích sử dụng đất", "đăng ký khai sinh", "chứng thực bản sao",
          "xử phạt vi phạm hành chính về đất đai", "cấp phép xây dựng nhà ở riêng lẻ",
          "thu hồi đất", "trợ cấp xã hội cho người cao tuổi", "quản lý chợ", "bảo vệ rừng",
          "cải cách hành chính", "chuyển đổi số", "phòng cháy chữa cháy", "kiểm kê đất đai",
          "tuyển dụng công chức", "khen thưởng thành tích", "giải quyết khiếu nại")
OPENINGS = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 02 năm 2025",
    "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư",
    "Căn cứ Nghị định số 107/2021/NĐ-CP của Chính phủ về thực hiện cơ chế một cửa, một cửa liên thông",
    "Căn cứ Thông tư số 05/2025/TT-BNV của Bộ Nội vụ",
    "Căn cứ Quyết định số {num}/QĐ-UBND ngày {date} của Ủy ban nhân dân tỉnh",
    "Xét đề nghị của Trưởng phòng Tài nguyên và Môi trường tại Tờ trình số {num}/TTr-TNMT",
    "Theo đề nghị của Công chức Địa chính - Xây dựng xã",
)
SENTENCES = (
    "Ủy ban nhân dân xã {commune} đã tiếp nhận hồ sơ của ông {person} cư trú tại {village}.",
    "Giao cho bà {person} diện tích {area} mét vuông đất ở tại thửa đất số {plot}, tờ bản đồ số {sheet}.",
    "Hộ gia đình ông {person} có trách nhiệm nộp tiền sử dụng đất theo quy định của pháp luật.",
    "Thời hạn sử dụng đất là lâu dài kể từ ngày {date}.",
    "Văn phòng Ủy ban nhân dân xã chịu trách nhiệm kiểm tra, đôn đốc việc thực hiện quyết định này.",
    "Kinh phí thực hiện là {money} đồng từ nguồn ngân sách xã năm {year}.",
    "Đề nghị các thôn, tổ dân phố phối hợp tuyên truyền đến toàn thể nhân dân trên địa bàn.",
    "Trong tháng, bộ phận một cửa đã tiếp nhận {count} hồ sơ, giải quyết đúng hạn {count2} hồ sơ.",
    "Công tác {topic} được triển khai kịp thời, đúng quy định và đạt kết quả tích cực.",
    "Tuy nhiên, vẫn còn một số tồn tại, hạn chế cần được khắc phục trong thời gian tới.",
    "Hội nghị thống nhất giao cho ông {person}, Phó Chủ tịch Ủy ban nhân dân xã, chủ trì thực hiện.",
    "Biên bản được lập thành {copies} bản có giá trị pháp lý như nhau, mỗi bên giữ một bản.",
    "Quyết định này có hiệu lực kể từ ngày ký.",
    "Chánh Văn phòng, Công chức Tài chính - Kế toán và các cá nhân có liên quan chịu trách nhiệm thi hành.",
    "Đất tại {village} thuộc quy hoạch đất ở nông thôn đã được phê duyệt.",
    "Kiểm tra thực địa ngày {date} cho thấy hiện trạng sử dụng đất ổn định, không có tranh chấp.",
    "Ủy ban nhân dân xã {commune} báo cáo Ủy ban nhân dân tỉnh xem xét, chỉ đạo.",
    "Đề nghị Sở Tài nguyên và Môi trường hướng dẫn thủ tục cấp giấy chứng nhận quyền sử dụng đất.",
    "Người dân phản ánh việc đo đạc diện tích đất chưa chính xác, đề nghị kiểm tra lại.",
    "Qua rà soát, trên địa bàn xã có {count} hộ nghèo và {count2} hộ cận nghèo.",
    "Trường Tiểu học {commune} xuống cấp nghiêm trọng, cần sửa chữa trước mùa mưa bão.",
    "Ban Chỉ huy phòng chống thiên tai xã trực ban 24/24 giờ trong thời gian có bão.",
    "Mức xử phạt vi phạm hành chính là {money} đồng theo Nghị định số {num}/2024/NĐ-CP.",
    "Hồ sơ gồm: đơn đề nghị, bản sao căn cước, giấy tờ về quyền sử dụng đất và sơ đồ thửa đất.",
    "Ông {person} đã cam kết chấp hành đúng quy định về xây dựng và bảo vệ môi trường.",
)

OCR_SLIPS = "aăâeêioôơuưyđlnmhcr1"


@dataclass(frozen=True)
class SynthDocument:
    """One archived document as the index sees it (no PDF)."""

    agency_code: str
    agency_name: str
    record_code: str
    record_title: str
    dossier_code: str | None
    sequence: int
    doc_code: str
    type_code: str
    type_name: str
    code_number: str
    code_notation: str
    issued: date
    subject: str
    signer: str
    pages: int
    text: str


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _fill(template: str, rng: random.Random, commune: str, year: int) -> str:
    day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    return template.format(
        commune=commune, person=_person(rng), village=rng.choice(VILLAGES),
        area=rng.randrange(50, 400), plot=rng.randrange(1, 900), sheet=rng.randrange(1, 60),
        date=day.strftime("%d/%m/%Y"), money=f"{rng.randrange(1, 900) * 100_000:,}".replace(
            ",", "."), year=year, count=rng.randrange(20, 400), count2=rng.randrange(10, 300),
        topic=rng.choice(TOPICS), copies=rng.randrange(2, 5), num=rng.randrange(1, 3000))


def page_text(rng: random.Random, commune: str, year: int, words: int = 430) -> str:
    """About ``words`` words (one A4 page of an administrative document)."""
    out: list[str] = []
    count = 0
    while count < words:
        template = rng.choice(SENTENCES) if rng.random() > 0.15 else rng.choice(OPENINGS) + ";"
        sentence = _fill(template, rng, commune, year)
        words_ = sentence.split()
        for i, word in enumerate(words_):  # OCR slips: about 1 word in 60 has a wrong letter
            if rng.random() < 1 / 60 and len(word) > 2:
                pos = rng.randrange(len(word))
                words_[i] = word[:pos] + rng.choice(OCR_SLIPS) + word[pos + 1:]
        out.append(" ".join(words_))
        count += len(words_)
    return " ".join(out)


def documents(n: int, *, seed: int = 15, pages: int = 2,
              start: date = date(2023, 1, 1), days: int = 4 * 365) -> Iterator[SynthDocument]:
    """``n`` documents in records of 1-6 documents, over ``days`` days from ``start``."""
    rng = random.Random(seed)
    made = 0
    record_no = 0
    while made < n:
        record_no += 1
        commune_no = rng.randrange(len(COMMUNES))
        commune = COMMUNES[commune_no]
        agency_code = f"H42.{commune_no + 1:02d}"
        issued0 = start + timedelta(days=rng.randrange(days))
        year = issued0.year
        topic = rng.choice(TOPICS)
        holder = _person(rng)
        record_code = f"{agency_code}.{year}.HS-{record_no:06d}"
        dossier = (f"000.00.{commune_no + 1:02d}.H42-{issued0:%y%m%d}-{rng.randrange(1, 9999):04d}"
                   if rng.random() < 0.4 else None)
        title = f"Hồ sơ {topic} của {holder}" if dossier else f"Hồ sơ về việc {topic} năm {year}"
        leader = _person(rng)
        for seq in range(1, rng.randrange(1, 7) + 1):
            if made >= n:
                break
            type_code, type_name, notation = rng.choices(TYPES, TYPE_WEIGHTS)[0]
            issued = issued0 + timedelta(days=seq * rng.randrange(0, 5))
            number = str(rng.randrange(1, 2000))
            text = "\n\f".join(page_text(rng, commune, year) for _p in range(pages))
            header = (f"ỦY BAN NHÂN DÂN XÃ {commune.upper()}\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                      f"Độc lập - Tự do - Hạnh phúc\nSố: {number}/{notation}-UBND\n"
                      f"{commune}, ngày {issued.day} tháng {issued.month} năm {issued.year}\n"
                      f"{type_name.upper()}\nVề việc {topic}\n")
            footer = f"\nCHỦ TỊCH\n{leader}\n"
            yield SynthDocument(
                agency_code=agency_code, agency_name=f"UBND xã {commune}",
                record_code=record_code, record_title=title, dossier_code=dossier,
                sequence=seq, doc_code=f"{record_code}.{seq:07d}", type_code=type_code,
                type_name=type_name, code_number=number, code_notation=f"{notation}-UBND",
                issued=issued, subject=f"{type_name} về việc {topic}", signer=leader,
                pages=pages, text=header + text + footer)
            made += 1
