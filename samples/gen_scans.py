#!/usr/bin/env python3
"""Deterministic synthetic scans of Vietnamese administrative documents, with ground truth.

    python samples/gen_scans.py OUTDIR            # the committed sample set (samples/scans)
    python samples/gen_scans.py OUTDIR --pages 20 # N extra single pages (page001.png ...)

Each page is an A4 sheet rendered at 300 dpi with a Decree 30/2020 layout (two-column
header, title, body, two-column footer), then "scanned": turned by a small angle, blurred,
given a paper tone and sensor noise. Beside each image, ``NAME.gt.txt`` holds the text in
reading order (header left column, header right column, body, footer left, footer right),
Unicode NFC. Fonts: DejaVu Serif and Liberation Serif (Debian fonts-dejavu-core,
fonts-liberation2). Same seed, same files.
"""

from __future__ import annotations

import argparse
import random
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

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
        left = ["ỦY BAN NHÂN DÂN", "XÃ TRÀ LENG", f"Số: {rng.randint(10, 400)}/"
                + {"quyet-dinh": "QĐ-UBND", "to-trinh": "TTr-UBND"}.get(body_kind, "UBND-VP")]
        right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 f"Trà Leng, ngày {rng.randint(1, 28):02d} tháng {rng.randint(1, 12):02d} "
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
        right = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Hồ Văn Thanh"]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--pages", type=int, default=0,
                        help="write N extra single pages instead of the sample set")
    args = parser.parse_args()
    if args.pages:
        extra_pages(args.outdir, args.pages)
    else:
        samples(args.outdir)


if __name__ == "__main__":
    main()
