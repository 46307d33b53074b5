#!/usr/bin/env python3
"""Deterministic synthetic scans of Vietnamese administrative documents, with ground truth.

    python samples/gen_scans.py OUTDIR              # the committed sample set (samples/scans)
    python samples/gen_scans.py OUTDIR --pages 20   # N extra single pages (page001.png ...)
    python samples/gen_scans.py OUTDIR --reference  # the 10 reference pages of the tests and
                                                    # benchmarks (pageNN.tif/.jpg, see below)
    python samples/gen_scans.py OUTDIR --issued     # the signature-placement test scans
                                                    # (issued_scans)

Reference pages (``reference_pages``): ten one-page decisions (QUYẾT ĐỊNH) in the full
Decree 30/2020 layout: two-column header with rules, title and subject, the issuer line,
italic legal bases, justified articles, and the footer with "Nơi nhận:" on the left and the
signer block (authority, title, blank space, name) on the right. Alternating DejaVu Serif
12.5 pt and Liberation Serif 14 pt; each turned by 0.5-2.0 degrees either way, blurred,
toned and given sensor noise, and saved as LZW TIFF and JPEG q85 at 300 dpi. Beside each:
``pageNN.gt.txt`` (reading order, column by column), ``pageNN.gt_rows.txt`` (the two-column
bands row by row: score against whichever fits better), ``pageNN.meta.json`` (font, angle,
blur, noise) and ``clean_pageNN.png`` (the page before scanning).

Each page is an A4 sheet rendered at 300 dpi with a Decree 30/2020 layout (two-column
header, title, body, two-column footer), then "scanned": turned by a small angle, blurred,
given a paper tone and sensor noise. Beside each image, ``NAME.gt.txt`` holds the text in
reading order (header left column, header right column, body, footer left, footer right),
Unicode NFC. Fonts: DejaVu Serif and Liberation Serif (Debian fonts-dejavu-core,
fonts-liberation2). Same seed, same files.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

DPI = 300
A4 = (2480, 3508)
MARGIN_L, MARGIN_R, MARGIN_T = 354, 236, 236
FONTS = {
    "dejavu": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
               "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 12.5),
    "liberation": ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
                   "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf", 14),
}
BODIES = {
    "quyet-dinh": ("QUYẾT ĐỊNH", "Về việc cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình", [
        "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024 và các văn bản hướng dẫn thi hành;",
        "Xét đề nghị của Phòng Tài nguyên và Môi trường tại Tờ trình số 58/TTr-TNMT.",
        "Điều 1. Cấp giấy chứng nhận quyền sử dụng đất cho hộ ông Phan Văn Lực, thường trú "
        "tại thôn Làng Mới, xã Trà Leng, diện tích 312,5 m², thửa đất số 47, tờ bản đồ số 9.",
        "Điều 2. Hộ gia đình có trách nhiệm sử dụng đất đúng mục đích, thực hiện đầy đủ nghĩa "
        "vụ tài chính theo quy định của pháp luật về đất đai và thuế.",
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, Trưởng phòng Tài "
        "nguyên và Môi trường và hộ ông Phan Văn Lực chịu trách nhiệm thi hành./.",
    ]),
    "cong-van-1": ("CÔNG VĂN", "V/v triển khai số hóa hồ sơ thủ tục hành chính", [
        "Kính gửi: Ủy ban nhân dân các xã, thị trấn trên địa bàn huyện.",
        "Thực hiện Nghị định số 107/2021/NĐ-CP của Chính phủ về thực hiện cơ chế một cửa, một "
        "cửa liên thông trong giải quyết thủ tục hành chính, Ủy ban nhân dân huyện đề nghị các "
        "xã khẩn trương số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực.",
        "Bộ phận một cửa tiếp nhận hồ sơ giấy, quét thành tệp điện tử với độ phân giải tối "
        "thiểu 200 dpi, kiểm tra tính chính xác của bản sao và ký số theo quy định.",
    ]),
    "cong-van-2": ("", "", [
        "Các xã báo cáo kết quả thực hiện trước ngày 25 hằng tháng, gửi về Văn phòng Hội đồng "
        "nhân dân và Ủy ban nhân dân huyện để tổng hợp, báo cáo Ủy ban nhân dân tỉnh.",
        "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời qua "
        "số điện thoại 0235 3882 146 để được hướng dẫn, giải quyết.",
        "Ủy ban nhân dân huyện đề nghị các đơn vị quan tâm, phối hợp thực hiện./.",
    ]),
    "to-trinh": ("TỜ TRÌNH", "Về việc đề nghị hỗ trợ kinh phí sửa chữa trường học", [
        "Kính gửi: Ủy ban nhân dân huyện Nam Trà My.",
        "Trận mưa lớn kéo dài từ ngày 12 đến ngày 16 tháng 10 năm 2024 đã làm sập một phần "
        "tường rào và tốc mái hai phòng học của Trường Tiểu học Trà Vân, ảnh hưởng đến việc "
        "học tập của 186 học sinh người Xơ Đăng, Ca Dong.",
        "Ủy ban nhân dân xã kính đề nghị huyện hỗ trợ kinh phí 485.000.000 đồng để sửa chữa, "
        "bảo đảm an toàn cho giáo viên và học sinh trước mùa mưa bão./.",
    ]),
}


# The demo leader (samples/pki/certomancer.yml: CN "Nguyễn Văn Hùng", title "Chủ tịch"): the
# sample documents print his signer block, so `trams demo` signs them where he would.
DEMO_LEADER = "Nguyễn Văn Hùng"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class Sheet:
    def __init__(self, font: str):
        regular, bold, size_pt = FONTS[font]
        px = round(size_pt * DPI / 72)
        self.regular = ImageFont.truetype(regular, px)
        self.bold = ImageFont.truetype(bold, px)
        self.small_bold = ImageFont.truetype(bold, round(px * 0.9))
        self.step = round(px * 1.35)
        self.image = Image.new("L", A4, 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = MARGIN_T
        self.text: list[str] = []

    def centred(self, text: str, font, x0: int, x1: int, y: int) -> None:
        width = font.getlength(text)
        self.draw.text((x0 + (x1 - x0 - width) / 2, y), text, font=font, fill=0)

    def header(self, rng: random.Random, body_kind: str) -> None:
        mid = MARGIN_L + 700
        left = ["ỦY BAN NHÂN DÂN", "XÃ TRÀ MY", f"Số: {rng.randint(10, 400)}/"
                + {"quyet-dinh": "QĐ-UBND", "to-trinh": "TTr-UBND"}.get(body_kind, "UBND-VP")]
        right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 f"Trà My, ngày {rng.randint(1, 28):02d} tháng {rng.randint(1, 12):02d} "
                 "năm 2024"]
        for column, (x0, x1) in ((left, (MARGIN_L - 120, mid)),
                                 (right, (mid, A4[0] - MARGIN_R + 60))):
            y = self.y
            for i, line in enumerate(column):
                self.centred(line, self.small_bold if i < 2 else self.regular, x0, x1, y)
                y += self.step + (self.step // 3 if i == 1 else 0)
            self.text += column
        self.y += 4 * self.step

    def paragraph(self, text: str, *, indent: int = 120) -> None:
        width = A4[0] - MARGIN_L - MARGIN_R
        words, line, first = text.split(), [], True
        for word in words + [None]:
            trial = " ".join(line + ([word] if word else []))
            limit = width - (indent if first else 0)
            if word is None or (line and self.regular.getlength(trial) > limit):
                x = MARGIN_L + (indent if first else 0)
                self.draw.text((x, self.y), " ".join(line), font=self.regular, fill=0)
                self.text.append(" ".join(line))
                self.y += self.step
                line, first = [word], False
            else:
                line.append(word)

    def footer(self) -> None:
        y0 = self.y + self.step
        left = ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]
        right = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", DEMO_LEADER]
        for i, line in enumerate(left):
            self.draw.text((MARGIN_L, y0 + i * self.step), line,
                           font=self.small_bold if i == 0 else self.regular, fill=0)
        for i, line in enumerate(right):
            gap = 3 * self.step if i == 2 else 0
            self.centred(line, self.bold, MARGIN_L + 900, A4[0] - MARGIN_R,
                         y0 + i * self.step + gap)
        self.text += left + right


def render(kind: str, font: str, rng: random.Random, *, first_page: bool = True,
           last_page: bool = True) -> tuple[Image.Image, str]:
    sheet = Sheet(font)
    title, subject, paragraphs = BODIES[kind]
    if first_page:
        sheet.header(rng, kind)
        for text, face in ((title, sheet.bold), (subject, sheet.bold)):
            if text:
                sheet.centred(text, face, MARGIN_L, A4[0] - MARGIN_R, sheet.y)
                sheet.text.append(text)
                sheet.y += sheet.step
        sheet.y += sheet.step
    for text in paragraphs:
        sheet.paragraph(nfc(text))
    if last_page:
        sheet.footer()
    return sheet.image, "\n".join(nfc(t) for t in sheet.text) + "\n"


def scan(image: Image.Image, rng: random.Random, *, angle: float, noise: float
         ) -> Image.Image:
    """Paper tone, a small turn, lens blur and sensor noise."""
    paper = rng.randint(236, 248)
    toned = image.point(lambda v: int(30 + (paper - 30) * v / 255))
    turned = toned.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=paper)
    blurred = turned.filter(ImageFilter.GaussianBlur(0.7))
    pixels = np.asarray(blurred, dtype=np.float32)
    pixels += np.random.default_rng(rng.randint(0, 2**31)).normal(0, noise, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def samples(out: Path) -> None:
    """The committed set: 3 documents, 4 pages, several formats, well under 2 MB."""
    rng = random.Random(20251125)

    def write(rel: str, image: Image.Image, text: str, **save) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, dpi=(DPI, DPI), **save)
        path.with_name(path.stem + ".gt.txt").write_text(text, encoding="utf-8")

    image, text = render("quyet-dinh", "liberation", rng)
    bilevel = scan(image, rng, angle=1.2, noise=4).point(lambda v: 255 if v > 150 else 0)
    write("01-quyet-dinh/page1.tif", bilevel.convert("1"), text, compression="group4")
    image, text = render("cong-van-1", "dejavu", rng, last_page=False)
    write("02-cong-van/page1.jpg", scan(image, rng, angle=-0.8, noise=3), text, quality=40)
    image, text = render("cong-van-2", "dejavu", rng, first_page=False)
    gray = scan(image, rng, angle=0.6, noise=3).point(lambda v: v // 32 * 32 + 16)
    write("02-cong-van/page2.png", gray.quantize(8, dither=Image.Dither.NONE), text,
          optimize=True)
    image, text = render("to-trinh", "liberation", rng)
    upside_down = scan(image, rng, angle=-1.5, noise=4).rotate(180)  # fed upside down
    write("03-to-trinh/page1.png", upside_down.point(lambda v: 255 if v > 150 else 0)
          .convert("1"), text, optimize=True)


def extra_pages(out: Path, count: int) -> None:
    rng = random.Random(7)
    kinds = list(BODIES)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        kind = kinds[i % len(kinds)]
        image, text = render(kind, "dejavu" if i % 2 else "liberation", rng,
                             first_page=kind != "cong-van-2")
        angle = rng.choice((-1, 1)) * rng.uniform(0.3, 2.0)
        scan(image, rng, angle=angle, noise=8).save(out / f"page{i + 1:03d}.png",
                                                    dpi=(DPI, DPI))
        (out / f"page{i + 1:03d}.gt.txt").write_text(text, encoding="utf-8")


# --- the reference pages ------------------------------------------------------------------
REF_FONTS = {
    "DejaVuSerif": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
                    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
                    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf", 12.5),
    "LiberationSerif": ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
                        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
                        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf", 14),
}
REF_MARGINS = (354, 236, 236, 236)  # left 3 cm, right, top, bottom 2 cm at 300 dpi
DISTRICTS = ["Nam Trà My", "Tây Giang", "Phước Sơn", "Hiệp Đức", "Nông Sơn"]
PEOPLE = ["Lê Văn Sáu", "Nguyễn Thị Mỹ Lệ", "Trần Đình Quý", "Phạm Thị Hồng Nhung",
          "Võ Văn Tấn", "Đinh Thị Kiều Oanh", "Hồ Quang Đạt", "Bùi Thị Ngọc Diệp",
          "Đoàn Minh Khôi", "A Lăng Thị Bích"]
TOPICS = [
    ("Về việc ban hành Kế hoạch số hóa tài liệu lưu trữ năm 2025", "Bộ phận Văn thư - Lưu trữ"),
    ("Về việc giao đất ở cho hộ gia đình tại thôn {v}", "Phòng Nông nghiệp và Môi trường"),
    ("Về việc thành lập Hội đồng xác định giá trị tài liệu", "Phòng Nội vụ"),
    ("Về việc hỗ trợ sửa chữa nhà ở cho hộ nghèo sau bão số 13", "Phòng Tài chính"),
    ("Về việc công nhận thôn đạt chuẩn văn hóa năm 2025", "Phòng Văn hóa - Xã hội"),
    ("Về việc phê duyệt dự toán nâng cấp đường liên thôn", "Phòng Kinh tế"),
    ("Về việc khen thưởng cá nhân có thành tích trong phòng chống thiên tai", "Phòng Nội vụ"),
    ("Về việc ban hành Quy chế quản lý chữ ký số trong cơ quan", "Bộ phận Văn thư - Lưu trữ"),
    ("Về việc giao chỉ tiêu trồng rừng sản xuất năm 2025", "Phòng Nông nghiệp và Môi trường"),
    ("Về việc điều chỉnh danh mục thủ tục hành chính tiếp nhận tại Bộ phận một cửa",
     "Bộ phận một cửa"),
]
BASES = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024 và các văn bản hướng dẫn thi hành;",
    "Căn cứ Luật Giao dịch điện tử ngày 22 tháng 6 năm 2023;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác "
    "văn thư;",
    "Căn cứ Thông tư số 05/2025/TT-BNV của Bộ trưởng Bộ Nội vụ quy định về số hóa tài liệu "
    "lưu trữ và quản lý tài liệu lưu trữ số;",
    "Căn cứ Nghị định số 107/2021/NĐ-CP ngày 06 tháng 12 năm 2021 của Chính phủ về thực hiện "
    "cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính;",
    "Căn cứ Nghị quyết số 27/NQ-HĐND ngày 18 tháng 12 năm 2024 của Hội đồng nhân dân xã về "
    "nhiệm vụ phát triển kinh tế - xã hội năm 2025;",
]
ARTICLES = [
    "Tài liệu được số hóa phải bảo đảm đầy đủ, chính xác so với bản gốc; tệp điện tử được "
    "ký số, gắn siêu dữ liệu và lưu trữ an toàn, có thể tra cứu, khai thác lâu dài trên hệ "
    "thống của cơ quan.",
    "Giao đất ở có thu tiền sử dụng đất cho hộ ông {n}, cư trú tại thôn {v}, diện tích "
    "186,4 m² (Một trăm tám mươi sáu phẩy bốn mét vuông), thửa đất số 52, tờ bản đồ số 11; "
    "thời hạn sử dụng lâu dài.",
    "Hội đồng có nhiệm vụ xem xét danh mục hồ sơ, tài liệu hết giá trị, đề xuất hủy theo "
    "quy định; làm việc theo chế độ tập thể, quyết định theo đa số và tự giải thể sau khi "
    "hoàn thành nhiệm vụ.",
    "Mức hỗ trợ: hai mươi triệu đồng đối với hộ có nhà bị sập hoàn toàn, mười hai triệu đồng "
    "đối với hộ có nhà hư hỏng nặng; ưu tiên hộ có người khuyết tật, người cao tuổi sống "
    "một mình.",
    "Tổng kinh phí: 3.418.750.000 đồng (Ba tỷ, bốn trăm mười tám triệu, bảy trăm năm mươi "
    "nghìn đồng), từ nguồn ngân sách xã năm 2025 và vốn Chương trình mục tiêu quốc gia xây "
    "dựng nông thôn mới.",
    "Thời gian thực hiện từ ngày 02 tháng 01 năm 2025 đến ngày 31 tháng 12 năm 2025; các "
    "thôn báo cáo tiến độ về Ủy ban nhân dân xã trước ngày 20 hằng tháng để tổng hợp.",
    "Tặng Giấy khen cho bà {n}, Trưởng thôn {v}, đã có thành tích xuất sắc trong công tác "
    "sơ tán người dân và bảo vệ tài sản của Nhân dân trong đợt mưa lũ tháng 10 năm 2025.",
    "Khóa bí mật của chứng thư số được lưu trên thiết bị chuyên dùng do văn thư cơ quan quản "
    "lý; người được cấp chứng thư số không được cho người khác sử dụng thiết bị và mã PIN.",
    "Các tổ chức, cá nhân được giao chỉ tiêu có trách nhiệm trồng, chăm sóc và bảo vệ rừng "
    "đúng kỹ thuật; đồng bào Ca Dong, Xê Đăng, Cơ Tu được ưu tiên hỗ trợ cây giống.",
    "Bộ phận một cửa tiếp nhận hồ sơ giấy, quét thành tệp điện tử với độ phân giải tối thiểu "
    "200 dpi, kiểm tra tính chính xác của bản sao, ký số và trả kết quả qua dịch vụ công.",
]
VILLAGES = ["Tân Lập", "Đồng Râm", "Ngọc Lâm", "Pa Dâu", "Long Viên"]


class RefSheet:
    """A Decree 30 decision on an A4 sheet at 300 dpi, with its ground truth."""

    def __init__(self, font: str):
        regular, bold, italic, size_pt = REF_FONTS[font]
        self.px = round(size_pt * DPI / 72)
        self.regular = ImageFont.truetype(regular, self.px)
        self.bold = ImageFont.truetype(bold, self.px)
        self.italic = ImageFont.truetype(italic, self.px)
        self.small = ImageFont.truetype(regular, round(self.px * 0.92))
        self.small_bold = ImageFont.truetype(bold, round(self.px * 0.92))
        self.step = round(self.px * 1.3)
        self.left, self.right, self.top, self.bottom = REF_MARGINS
        self.image = Image.new("L", A4, 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = self.top
        self.columns: list[str] = []  # reading order, column by column
        self.rows: list[str] = []  # two-column bands row by row
        self.full = False

    def centred(self, text: str, font, x0: float, x1: float, y: float) -> tuple[float, float]:
        width = font.getlength(text)
        x = x0 + (x1 - x0 - width) / 2
        self.draw.text((x, y), text, font=font, fill=0)
        return x, width

    def line(self, text: str, font=None) -> None:
        """A centred line across the text width (title, subject, issuer)."""
        self.centred(text, font or self.bold, self.left, A4[0] - self.right, self.y)
        self.columns.append(text)
        self.rows.append(text)
        self.y += self.step

    def band(self, left: list, right: list, spans: tuple[tuple[int, int], tuple[int, int]],
             *, centre_left: bool = True, rules: tuple[str, ...] = ()) -> int:
        """Two columns side by side from the current line; entries are (text, font), or
        None for a half-line gap. Returns the y below the longer column."""
        bottoms = []
        for entries, (x0, x1), centred in ((left, spans[0], centre_left),
                                           (right, spans[1], True)):
            y = self.y
            for entry in entries:
                if entry is None:
                    y += self.step // 2
                    continue
                text, font = entry
                if centred:
                    x, width = self.centred(text, font, x0, x1, y)
                else:
                    x, width = x0, font.getlength(text)
                    self.draw.text((x, y), text, font=font, fill=0)
                if text in rules:  # the short rule under the organ's name / the motto
                    share = 0.4 if entries is left else 0.8
                    rule = width * share
                    cx = x + width / 2
                    self.draw.line([(cx - rule / 2, y + self.step), (cx + rule / 2, y + self.step)],
                                   fill=0, width=3)
                self.columns.append(text)
                y += self.step
            bottoms.append(y)
        texts_l = [e[0] for e in left if e]
        texts_r = [e[0] for e in right if e]
        for k in range(max(len(texts_l), len(texts_r))):
            self.rows += texts_l[k:k + 1] + texts_r[k:k + 1]
        return max(bottoms)

    def paragraph(self, text: str, *, font=None, indent: int = 150) -> bool:
        """A justified paragraph; False when the page is full."""
        font = font or self.regular
        width = A4[0] - self.left - self.right
        lines: list[tuple[list[str], bool]] = []
        current: list[str] = []
        first = True
        for word in nfc(text).split():
            limit = width - (indent if first else 0)
            if current and font.getlength(" ".join([*current, word])) > limit:
                lines.append((current, first))
                current, first = [word], False
            else:
                current.append(word)
        if current:
            lines.append((current, first))
        for number, (words, first) in enumerate(lines):
            if self.y + self.step > A4[1] - self.bottom:
                self.full = True
                return False
            x = self.left + (indent if first else 0)
            limit = width - (indent if first else 0)
            if number < len(lines) - 1 and len(words) > 1:
                gap = (limit - sum(font.getlength(w) for w in words)) / (len(words) - 1)
                for word in words:
                    self.draw.text((x, self.y), word, font=font, fill=0)
                    x += font.getlength(word) + gap
            else:
                self.draw.text((x, self.y), " ".join(words), font=font, fill=0)
            self.columns.append(" ".join(words))
            self.rows.append(" ".join(words))
            self.y += self.step
        return True


def reference_page(index: int, rng: random.Random) -> tuple[RefSheet, str]:
    font = "DejaVuSerif" if index % 2 == 0 else "LiberationSerif"
    sheet = RefSheet(font)
    topic, office = TOPICS[index]
    district = rng.choice(DISTRICTS)
    village = rng.choice(VILLAGES)
    person = PEOPLE[index]
    subject = nfc(topic.format(v=village))
    number, day, month = rng.randint(12, 980), rng.randint(1, 28), rng.randint(1, 12)
    commune = f"XÃ TRÀ {['LENG', 'MAI', 'VÂN', 'NAM', 'LINH'][index % 5]}"
    left_x = (sheet.left - 120, sheet.left + 760)
    right_x = (sheet.left + 760, A4[0] - sheet.right + 60)
    bottom = sheet.band(
        [("ỦY BAN NHÂN DÂN", sheet.small), (commune, sheet.small_bold), None,
         (f"Số: {number}/QĐ-UBND", sheet.regular)],
        [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", sheet.small_bold),
         ("Độc lập - Tự do - Hạnh phúc", sheet.bold), None,
         (f"{district}, ngày {day:02d} tháng {month:02d} năm 2025", sheet.italic)],
        (left_x, right_x), rules=(commune, "Độc lập - Tự do - Hạnh phúc"))
    sheet.y = bottom + sheet.step
    sheet.line("QUYẾT ĐỊNH")
    sheet.line(subject)
    sheet.y += sheet.step // 2
    sheet.line(f"CHỦ TỊCH ỦY BAN NHÂN DÂN {commune}")
    sheet.y += sheet.step // 2
    bases = rng.sample(BASES, 3 if index % 3 else 4)
    bases.append(f"Theo đề nghị của Trưởng {office} tại Tờ trình số {rng.randint(5, 150)}/TTr "
                 f"ngày {max(1, day - 2):02d} tháng {month:02d} năm 2025.")
    for text in bases:
        sheet.paragraph(text, font=sheet.italic)
    sheet.y += sheet.step // 3
    sheet.line("QUYẾT ĐỊNH:")
    sheet.y += sheet.step // 3
    bodies = [b.format(n=person, v=village) for b in rng.sample(ARTICLES, 4)]
    topic_text = subject.removeprefix("Về việc ")
    sheet.paragraph(f"Điều 1. {topic_text[0].upper() + topic_text[1:]}, cụ thể như sau:")
    for n, body in enumerate(bodies[:2 if index % 3 else 3], start=1):
        if not sheet.paragraph(f"{n}. {body}"):
            break
    for text in (f"Điều 2. {bodies[3]}",
                 f"Điều 3. Công chức Văn phòng - Thống kê, {office}, các thôn và cá nhân có "
                 "liên quan chịu trách nhiệm thi hành Quyết định này. Quyết định có hiệu lực "
                 "kể từ ngày ký./."):
        if sheet.full or not sheet.paragraph(text):
            break
    if sheet.y + 5 * sheet.step <= A4[1] - sheet.bottom:
        sheet.y += sheet.step // 2
        signer = PEOPLE[(index + 4) % len(PEOPLE)]
        sheet.band(
            [("Nơi nhận:", sheet.small_bold), ("- Như Điều 3;", sheet.small),
             ("- UBND huyện;", sheet.small), ("- Lưu: VT.", sheet.small)],
            [("TM. ỦY BAN NHÂN DÂN", sheet.bold), ("CHỦ TỊCH", sheet.bold), None, None,
             (signer, sheet.bold)],
            ((sheet.left, sheet.left + 900), right_x), centre_left=False)
    return sheet, font


# --- issued decisions with a chosen signer block (tests of signature placement) -------
def issued_decision(signer: tuple[str | None, str, str] | None, *, space_lines: int = 3,
                    mention: str | None = None, font: str = "LiberationSerif",
                    number: int = 31) -> RefSheet:
    """A one-page decision of UBND xã Trà My in the Decree 30/2020 layout, signed by
    ``signer`` = (authority or None, title, full name) with ``space_lines`` blank lines
    between the title and the name; None: no footer at all (no "Nơi nhận", no block).
    ``mention``: a person named in Điều 2 (a commendation)."""
    sheet = RefSheet(font)
    left_x = (sheet.left - 120, sheet.left + 760)
    right_x = (sheet.left + 760, A4[0] - sheet.right + 60)
    bottom = sheet.band(
        [("ỦY BAN NHÂN DÂN", sheet.small), ("XÃ TRÀ MY", sheet.small_bold), None,
         (f"Số: {number}/QĐ-UBND", sheet.regular)],
        [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", sheet.small_bold),
         ("Độc lập - Tự do - Hạnh phúc", sheet.bold), None,
         ("Trà My, ngày 02 tháng 12 năm 2025", sheet.italic)],
        (left_x, right_x), rules=("XÃ TRÀ MY", "Độc lập - Tự do - Hạnh phúc"))
    sheet.y = bottom + sheet.step
    sheet.line("QUYẾT ĐỊNH")
    sheet.line("Về việc khen thưởng cá nhân có thành tích trong chuyển đổi số")
    sheet.y += sheet.step // 2
    sheet.line("ỦY BAN NHÂN DÂN XÃ TRÀ MY")
    sheet.y += sheet.step // 2
    for text in (BASES[0], BASES[3]):
        sheet.paragraph(text, font=sheet.italic)
    sheet.y += sheet.step // 3
    sheet.line("QUYẾT ĐỊNH:")
    sheet.y += sheet.step // 3
    who = mention or "Hồ Quang Đạt"
    for text in (f"Điều 1. {ARTICLES[0]}",
                 f"Điều 2. Tặng Giấy khen cho ông {who}, công chức Văn phòng - Thống kê, đã có "
                 "thành tích xuất sắc trong công tác số hóa tài liệu lưu trữ năm 2025.",
                 "Điều 3. Công chức Văn phòng - Thống kê và cá nhân có tên tại Điều 2 chịu "
                 "trách nhiệm thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký./."):
        sheet.paragraph(text)
    if signer is not None:
        authority, title, name = signer
        sheet.y += sheet.step // 2
        block = [(authority, sheet.bold)] if authority else []
        sheet.band(
            [("Nơi nhận:", sheet.small_bold), ("- Như Điều 3;", sheet.small),
             ("- Lưu: VT.", sheet.small)],
            [*block, (title, sheet.bold), *[None] * (2 * space_lines), (name, sheet.bold)],
            ((sheet.left, sheet.left + 900), right_x), centre_left=False)
    assert not sheet.full
    return sheet


def ref_scan(image: Image.Image, rng: random.Random, *, angle: float | None = None
             ) -> tuple[Image.Image, dict]:
    """A flatbed scan of a printed page: paper tone, a small turn (``angle`` degrees, else
    0.5-2.0 either way at random), blur, sensor noise."""
    if angle is None:
        angle = rng.choice((-1, 1)) * rng.uniform(0.5, 2.0)
    blur = rng.uniform(0.6, 1.1)
    sigma = rng.uniform(10, 18)
    paper = rng.randint(232, 246)
    toned = image.point(lambda v: int(25 + (paper - 25) * v / 255))
    turned = toned.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=paper)
    blurred = turned.filter(ImageFilter.GaussianBlur(blur))
    noisy = ImageChops.add(blurred, Image.effect_noise(blurred.size, sigma), offset=-128)
    return noisy.convert("L"), {"angle_deg": round(angle, 3), "blur_radius": round(blur, 3),
                                "noise_sigma": round(sigma, 2), "paper_level": paper}


def reference_pages(out: Path) -> Path:
    """The ten reference pages (see the module docstring); returns ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20251130)
    for index in range(10):
        sheet, font = reference_page(index, rng)
        scanned, meta = ref_scan(sheet.image, rng)
        stem = out / f"page{index + 1:02d}"
        sheet.image.save(out / f"clean_page{index + 1:02d}.png", dpi=(DPI, DPI), optimize=True)
        scanned.save(stem.with_suffix(".tif"), dpi=(DPI, DPI), compression="tiff_lzw")
        scanned.save(stem.with_suffix(".jpg"), dpi=(DPI, DPI), quality=85)
        columns = "\n".join(nfc(t) for t in sheet.columns) + "\n"
        stem.with_suffix(".gt.txt").write_text(columns, encoding="utf-8")
        stem.with_name(stem.name + ".gt_rows.txt").write_text(
            "\n".join(nfc(t) for t in sheet.rows) + "\n", encoding="utf-8")
        meta.update(font=font, font_px=sheet.px, lines=len(sheet.columns),
                    chars=len(columns), truncated=sheet.full)
        stem.with_suffix(".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    return out


def issued_scans(out: Path) -> dict[str, Path]:
    """The scans of the signature-placement tests (``--issued``): 300 dpi JPEGs (q85) of
    :func:`issued_decision`, each turned by 1.5 degrees (either way), blurred and noisy:

    * ``chairman``: TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH / Nguyễn Văn Hùng (the demo leader),
      three blank lines for the signature;
    * ``tight``: the same with two blank lines; ``cramped``: with one;
    * ``other-block``: KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Trần Thị Thủy, the demo leader named
      in the body;
    * ``body-only``: no signer block, the demo leader named in the body.
    """
    tm = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", DEMO_LEADER)
    pages = {
        "chairman": (issued_decision(tm, number=41), 1.5),
        "tight": (issued_decision(tm, space_lines=2, number=42), -1.5),
        "cramped": (issued_decision(tm, space_lines=1, number=43), 1.5),
        "other-block": (issued_decision(("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Thị Thủy"),
                                        mention=DEMO_LEADER, number=44), -1.5),
        "body-only": (issued_decision(None, mention=DEMO_LEADER, number=45), 1.5),
    }
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20251202)
    paths = {}
    for name, (sheet, angle) in pages.items():
        scanned, _meta = ref_scan(sheet.image, rng, angle=angle)
        paths[name] = out / f"{name}.jpg"
        scanned.save(paths[name], dpi=(DPI, DPI), quality=85)
    return paths


# --- printed with red seals, received with "ĐẾN" stamps, scanned back (issue 19) ----------
# Decree 30 pages in colour, as they come back from a scanner: the leader's blue signature
# with the agency's red seal over its left third (and over the signer's title), a received
# document's red "ĐẾN" stamp filled in by hand, a leader's note in red pen across the text.
# Printed on toned paper, then "scanned back" at 200 and 300 dpi by :func:`scan_back`
# (a turn of up to 1.2 degrees, a slightly wrong scale, lens blur, uneven lighting, sensor
# noise, JPEG). Ground truth is the printed black text only (seals, stamps and handwriting
# are not text of the document), in the two orders of the reference pages.
INK = (28, 28, 34)
SEAL_INK = (205, 32, 45)
PEN_BLUE = (30, 50, 170)
PEN_RED = (200, 25, 30)
PAPER = (247, 244, 236)
COMMUNES = ["XÃ TRÀ MY", "XÃ TRÀ LENG", "XÃ TRÀ VÂN", "XÃ TRÀ NAM"]


def _ring_text(layer: Image.Image, text: str, centre: tuple[float, float], radius: float,
               font, colour: tuple[int, int, int]) -> None:
    """``text`` along the upper and right part of a circle, letters upright to the ring."""
    import math

    widths = [font.getlength(ch) for ch in text]
    total = sum(widths) * 1.15
    span = min(total / radius, 2 * math.pi * 0.92)
    angle = -math.pi / 2 - span / 2  # centred on the top
    scale = span / total
    for ch, width in zip(text, widths, strict=True):
        step = width * 1.15 * scale
        mid = angle + step / 2
        glyph = Image.new("L", (int(font.size * 2), int(font.size * 2)), 0)
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font,
                                   fill=255, anchor="mm")
        turned = glyph.rotate(-math.degrees(mid) - 90, resample=Image.Resampling.BICUBIC)
        x = centre[0] + radius * math.cos(mid) - turned.width / 2
        y = centre[1] + radius * math.sin(mid) - turned.height / 2
        layer.paste(Image.new("RGBA", turned.size, (*colour, 255)), (round(x), round(y)),
                    turned)
        angle += step


def seal(diameter: int, ring: str, centre_text: str, rng: random.Random) -> Image.Image:
    """A round agency seal in red ink (RGBA): two rings, the agency's name along the edge,
    a star, the commune's name across; ink a little uneven, as stamped."""
    import math

    size = diameter + 8
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    c = size / 2
    r = diameter / 2
    for radius, width in ((r, 7), (r - 14, 3), (r * 0.42, 3)):
        draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=(*SEAL_INK, 255),
                     width=width)
    font = ImageFont.truetype(FONTS["dejavu"][1], round(diameter * 0.085))
    _ring_text(layer, ring, (c, c), r - 44, font, SEAL_INK)
    star = [(c + r * 0.30 * math.cos(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.42),
             c - r * 0.07 + r * 0.30 * math.sin(math.radians(-90 + k * 36))
             * (1 if k % 2 == 0 else 0.42)) for k in range(10)]
    draw.polygon(star, fill=(*SEAL_INK, 255))
    small = ImageFont.truetype(FONTS["dejavu"][1], round(diameter * 0.07))
    draw.text((c, c + r * 0.52), centre_text, font=small, fill=(*SEAL_INK, 255), anchor="mm")
    # uneven ink: the stamp pressed harder on one side, with pale specks
    alpha = np.asarray(layer.getchannel("A"), dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size]
    slope = 0.75 + 0.25 * ((xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1)) / size + 1) / 2
    specks = np.random.default_rng(rng.randint(0, 2**31)).uniform(0.6, 1.0, alpha.shape)
    layer.putalpha(Image.fromarray((alpha * slope * specks).astype(np.uint8)))
    return layer


def pen_strokes(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float],
                rng: random.Random, colour: tuple[int, int, int], *, width: int = 4,
                words: int = 3) -> None:
    """Handwriting-like strokes across ``box``: loops and slants joined, like a hurried
    signature or note, in pen ``colour``."""
    import math

    x0, y0, x1, y1 = box
    height = y1 - y0
    x = x0
    gap = (x1 - x0) / words
    for _ in range(words):
        points = []
        end = min(x1, x + gap * rng.uniform(0.7, 0.95))
        phase = rng.uniform(0, math.pi)
        while x < end:
            x += rng.uniform(3, 7)
            phase += rng.uniform(0.35, 0.7)
            y = y0 + height / 2 + height * 0.42 * math.sin(phase) * rng.uniform(0.6, 1.0)
            points.append((x + 8 * math.cos(phase * 0.9), y))
        if len(points) > 1:
            draw.line(points, fill=colour, width=width, joint="curve")
        x = end + gap * 0.1


def den_stamp(width: int, rng: random.Random, agency: str) -> Image.Image:
    """A received-document stamp ("ĐẾN") in red ink, its number and date filled in by hand
    in blue (RGBA)."""
    height = round(width * 0.55)
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    ink = (*SEAL_INK, 235)
    draw.rectangle((3, 3, width - 4, height - 4), outline=ink, width=5)
    font = ImageFont.truetype(FONTS["dejavu"][1], round(height * 0.13))
    big = ImageFont.truetype(FONTS["dejavu"][1], round(height * 0.2))
    draw.text((width / 2, height * 0.15), agency, font=font, fill=ink, anchor="mm")
    draw.text((width * 0.14, height * 0.5), "ĐẾN", font=big, fill=ink, anchor="mm")
    for k, label in enumerate(("Số: ............", "Ngày: ..........", "Chuyển: .........")):
        draw.text((width * 0.32, height * (0.36 + 0.22 * k)), label, font=font, fill=ink,
                  anchor="lm")
    for k in range(3):  # the clerk's handwriting in the fields
        y = height * (0.36 + 0.22 * k)
        pen_strokes(draw, (width * 0.55, y - height * 0.08, width * 0.93, y + height * 0.05),
                    rng, PEN_BLUE, width=3, words=2)
    return layer


def _ink_over(page: Image.Image, layer: Image.Image, at: tuple[int, int]) -> None:
    """Ink printed over ink multiplies (a red seal over black text stays dark)."""
    x, y = at
    region = page.crop((x, y, x + layer.width, y + layer.height))
    colour = Image.new("RGB", layer.size, (255, 255, 255))
    colour.paste(layer.convert("RGB"), (0, 0), layer.getchannel("A"))
    page.paste(ImageChops.multiply(region, colour), (x, y))


def sealed_page(index: int, rng: random.Random, *, received: bool = False
                ) -> tuple[RefSheet, Image.Image]:
    """A Decree 30 decision (or a received letter) printed in colour, signed in blue and
    sealed in red; returns the sheet (ground truth) and the printed page (RGB, 300 dpi)."""
    font = "DejaVuSerif" if index % 2 == 0 else "LiberationSerif"
    sheet = RefSheet(font)
    commune = COMMUNES[index % len(COMMUNES)]
    topic, office = TOPICS[(index * 3 + 1) % len(TOPICS)]
    village = rng.choice(VILLAGES)
    subject = nfc(topic.format(v=village))
    number, day, month = rng.randint(12, 980), rng.randint(1, 28), rng.randint(1, 12)
    left_x = (sheet.left - 120, sheet.left + 760)
    right_x = (sheet.left + 760, A4[0] - sheet.right + 60)
    kind = "CV" if received else "QĐ"
    bottom = sheet.band(
        [("ỦY BAN NHÂN DÂN", sheet.small), (commune, sheet.small_bold), None,
         (f"Số: {number}/{kind}-UBND", sheet.regular)],
        [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", sheet.small_bold),
         ("Độc lập - Tự do - Hạnh phúc", sheet.bold), None,
         (f"{rng.choice(DISTRICTS)}, ngày {day:02d} tháng {month:02d} năm 2025", sheet.italic)],
        (left_x, right_x), rules=(commune, "Độc lập - Tự do - Hạnh phúc"))
    sheet.y = bottom + sheet.step
    if received:
        sheet.line("CÔNG VĂN")
        sheet.line(subject.replace("Về việc", "V/v"), font=sheet.regular)
        sheet.y += sheet.step // 2
        sheet.paragraph(f"Kính gửi: Ủy ban nhân dân {COMMUNES[(index + 1) % 4].lower()}.",
                        indent=600)
    else:
        sheet.line("QUYẾT ĐỊNH")
        sheet.line(subject)
        sheet.y += sheet.step // 2
        sheet.line(f"CHỦ TỊCH ỦY BAN NHÂN DÂN {commune}")
        for text in rng.sample(BASES, 2):
            sheet.paragraph(text, font=sheet.italic)
        sheet.line("QUYẾT ĐỊNH:")
    bodies = [b.format(n=PEOPLE[index % len(PEOPLE)], v=village)
              for b in rng.sample(ARTICLES, 3)]
    lead = "" if received else "Điều {n}. "
    for n, body in enumerate(bodies, start=1):
        if not sheet.paragraph(lead.format(n=n) + body):
            break
    signer = PEOPLE[(index + 3) % len(PEOPLE)]
    sheet.y += sheet.step // 2
    top = sheet.y
    sheet.band(
        [("Nơi nhận:", sheet.small_bold), ("- Như trên;", sheet.small),
         ("- Lưu: VT.", sheet.small)],
        [("TM. ỦY BAN NHÂN DÂN", sheet.bold), ("CHỦ TỊCH", sheet.bold), None, None, None,
         None, None, (signer, sheet.bold)],
        ((sheet.left, sheet.left + 900), right_x), centre_left=False)
    page = Image.new("RGB", A4, PAPER)
    ink = Image.new("RGB", A4, INK)
    page.paste(ink, (0, 0), ImageOps.invert(sheet.image))
    # the leader's signature (blue), then the seal over its left third and the title
    centre = (right_x[0] + right_x[1]) / 2
    sig_top, sig_bottom = top + 2.2 * sheet.step, top + 4.9 * sheet.step
    draw = ImageDraw.Draw(page)
    pen_strokes(draw, (centre - 230, sig_top, centre + 250, sig_bottom), rng, PEN_BLUE,
                width=5, words=2)
    diameter = round(36 / 25.4 * DPI)  # a 36 mm seal
    stamp = seal(diameter, f"ỦY BAN NHÂN DÂN {commune} * {rng.choice(DISTRICTS).upper()}",
                 commune.removeprefix("XÃ "), rng)
    sx = round(centre - 230 - diameter * 0.5 + diameter * 0.33)
    sy = round((sig_top + sig_bottom) / 2 - stamp.height / 2 - sheet.step * 0.6)
    _ink_over(page, stamp, (sx, sy))
    if received:
        den = den_stamp(round(55 / 25.4 * DPI), rng, f"UBND {COMMUNES[(index + 1) % 4]}")
        _ink_over(page, den, (sheet.left - 60, bottom - sheet.step // 2))
        note = ImageDraw.Draw(page)  # the leader's instruction in red pen, over the text
        y = bottom + 5 * sheet.step
        pen_strokes(note, (A4[0] * 0.45, y, A4[0] * 0.88, y + 1.4 * sheet.step), rng,
                    PEN_RED, width=4, words=3)
    return sheet, page


def scan_back(page: Image.Image, rng: random.Random, *, dpi: int) -> tuple[Image.Image, dict]:
    """A colour flatbed scan at ``dpi`` of a page printed at 300 dpi: a small turn and a
    scale a little off (no pixel lands where it was printed), blur, light falling off
    across the glass, sensor noise, JPEG."""
    angle = rng.choice((-1, 1)) * rng.uniform(0.1, 1.2)
    scale = dpi / DPI * rng.uniform(0.996, 1.004)
    blur = rng.uniform(0.5, 0.9) * dpi / DPI
    sigma = rng.uniform(3.0, 6.0)
    size = (round(A4[0] * dpi / DPI), round(A4[1] * dpi / DPI))
    turned = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=PAPER)
    scaled = turned.resize((round(A4[0] * scale), round(A4[1] * scale)),
                           Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", size, PAPER)
    canvas.paste(scaled, ((size[0] - scaled.width) // 2, (size[1] - scaled.height) // 2))
    pixels = np.asarray(canvas.filter(ImageFilter.GaussianBlur(blur)), dtype=np.float32)
    yy, xx = np.mgrid[0:size[1], 0:size[0]].astype(np.float32)
    fall = rng.uniform(0.07, 0.16)
    light = 1.0 - fall * (xx / size[0]) ** 1.5 - 0.5 * fall * ((yy / size[1]) - 0.5) ** 2
    pixels *= light[..., None]
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, sigma, pixels.shape)
    scanned = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8), "RGB")
    quality = rng.randint(72, 88)
    buf = io.BytesIO()
    scanned.save(buf, format="JPEG", quality=quality, dpi=(dpi, dpi))
    buf.seek(0)
    return Image.open(buf), {"angle_deg": round(angle, 3), "scale": round(scale, 5),
                             "blur_radius": round(blur, 3), "noise_sigma": round(sigma, 2),
                             "light_falloff": round(fall, 3), "jpeg_quality": quality}


def seal_pages(out: Path) -> Path:
    """Six Decree 30 pages with red seals (the last two received letters with a "ĐẾN"
    stamp and a red-pen note), each scanned back at 200 and 300 dpi:
    ``sealNN-{200,300}.jpg`` with ``.gt.txt``, ``.gt_rows.txt``, ``.meta.json``, and the
    printed page ``clean_sealNN.png``; returns ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20251219)
    for index in range(6):
        sheet, printed = sealed_page(index, rng, received=index >= 4)
        printed.save(out / f"clean_seal{index + 1:02d}.png", dpi=(DPI, DPI), optimize=True)
        for dpi in (200, 300):
            scanned, meta = scan_back(printed, rng, dpi=dpi)
            stem = out / f"seal{index + 1:02d}-{dpi}"
            scanned.save(stem.with_suffix(".jpg"), format="JPEG", dpi=(dpi, dpi),
                         quality=meta["jpeg_quality"])
            _write_truth(stem, sheet, meta, received=index >= 4)
    return out


def _write_truth(stem: Path, sheet: RefSheet, meta: dict, **extra) -> None:
    columns = "\n".join(nfc(t) for t in sheet.columns) + "\n"
    stem.with_name(stem.name + ".gt.txt").write_text(columns, encoding="utf-8")
    stem.with_name(stem.name + ".gt_rows.txt").write_text(
        "\n".join(nfc(t) for t in sheet.rows) + "\n", encoding="utf-8")
    meta = {**meta, **extra, "lines": len(sheet.columns), "chars": len(columns)}
    stem.with_name(stem.name + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False,
                                                                   indent=1))


# --- a page in two columns (a bulletin): reading order --------------------------------------
def bulletin_page(rng: random.Random, font: str = "LiberationSerif", *,
                  gutter: int = 90) -> RefSheet:
    """A commune bulletin: a title across the page, then two columns of justified text
    ``gutter`` pixels apart (the reading order is the whole left column, then the whole
    right one)."""
    sheet = RefSheet(font)
    sheet.line("BẢN TIN ỦY BAN NHÂN DÂN XÃ TRÀ MY")
    sheet.line("Số 12 - Tháng 11 năm 2025", font=sheet.italic)
    sheet.y += sheet.step
    width = (A4[0] - sheet.left - sheet.right - gutter) // 2
    texts = [a.format(n=rng.choice(PEOPLE), v=rng.choice(VILLAGES))
             for a in rng.sample(ARTICLES, len(ARTICLES))]
    top = sheet.y
    for column in range(2):
        sheet.left = REF_MARGINS[0] + column * (width + gutter)
        sheet.right = A4[0] - sheet.left - width
        sheet.y = top
        for text in texts[column * 5:(column + 1) * 5]:
            if not sheet.paragraph(text, indent=60):
                break
            sheet.y += sheet.step // 3
        sheet.full = False
    sheet.rows = []  # no row order: the columns are read one after the other
    return sheet


def bulletin_pages(out: Path) -> Path:
    """``bulletin-300.png`` and ``bulletin-narrow-300.png`` (gray, 300 dpi, scanned with
    :func:`ref_scan`; columns 0.3 and 0.15 inch apart, the second as narrow as magazines
    set them) and their ground truth; returns ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20251220)
    for name, gutter in (("bulletin-300", 90), ("bulletin-narrow-300", 45)):
        sheet = bulletin_page(rng, gutter=gutter)
        scanned, meta = ref_scan(sheet.image, rng)
        stem = out / name
        scanned.save(stem.with_suffix(".png"), dpi=(DPI, DPI))
        sheet.rows = sheet.columns
        _write_truth(stem, sheet, {**meta, "gutter_px": gutter})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--pages", type=int, default=0,
                        help="write N extra single pages instead of the sample set")
    parser.add_argument("--reference", action="store_true",
                        help="write the 10 reference pages instead of the sample set")
    parser.add_argument("--issued", action="store_true",
                        help="write the scans of the signature-placement tests")
    parser.add_argument("--sealed", action="store_true",
                        help="write the pages with red seals and stamps, scanned back at "
                             "200 and 300 dpi, and the two-column bulletin")
    args = parser.parse_args()
    if args.issued:
        issued_scans(args.outdir)
    elif args.reference:
        reference_pages(args.outdir)
    elif args.sealed:
        seal_pages(args.outdir)
        bulletin_pages(args.outdir)
    elif args.pages:
        extra_pages(args.outdir, args.pages)
    else:
        samples(args.outdir)


if __name__ == "__main__":
    main()
