"""Generate the demo signature and seal images (DEMO ONLY), deterministically.

    python samples/images/make_images.py      # writes leader-signature.png, agency-seal.png

* leader-signature.png: a blue handwritten-style signature stroke, transparent background.
* agency-seal.png: a red round seal, Vietnamese text on the ring ("UBND XÃ TRÀ MY" and
  "TỈNH QUẢNG NAM"), a star in the middle, transparent background. Printed at 36 mm
  (image_width_mm = 36), the usual size of a commune seal.
Needs Pillow and fonts-liberation2. Licence: CC0.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT_BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"
BLUE = (20, 40, 170, 255)
RED = (210, 20, 30, 255)


def signature(path: Path) -> None:
    w, h = 600, 240
    scale = 4  # draw large, downsample for smooth strokes
    img = Image.new("RGBA", (w * scale, h * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    points = []
    for i in range(400):
        t = i / 399
        x = 40 + 520 * t
        y = 130 + 55 * math.sin(9 * math.pi * t) * (1 - 0.6 * t) - 40 * t
        x += 25 * math.cos(9 * math.pi * t)
        points.append((x * scale, y * scale))
    draw.line(points, fill=BLUE, width=5 * scale, joint="curve")
    underline = [((60 + 480 * t) * scale, (200 - 15 * t + 6 * math.sin(6 * t)) * scale)
                 for t in (i / 50 for i in range(51))]
    draw.line(underline, fill=BLUE, width=4 * scale, joint="curve")
    img.resize((w, h), Image.LANCZOS).save(path, optimize=True)


def _ring_text(img: Image.Image, text: str, *, centre: float, radius: float, start: float,
               end: float, font: ImageFont.FreeTypeFont, bottom: bool) -> None:
    n = len(text)
    for i, ch in enumerate(text):
        angle = start + (end - start) * (i + 0.5) / n
        glyph = Image.new("RGBA", (90, 90), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((45, 45), ch, font=font, fill=RED, anchor="mm")
        rotation = -math.degrees(angle) - 90 if not bottom else -math.degrees(angle) + 90
        glyph = glyph.rotate(rotation, resample=Image.BICUBIC)
        x = centre + radius * math.cos(angle)
        y = centre + radius * math.sin(angle)
        img.alpha_composite(glyph, (int(x - 45), int(y - 45)))


def seal(path: Path) -> None:
    size = 440
    c = size / 2
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((10, 10, size - 10, size - 10), outline=RED, width=12)
    draw.ellipse((110, 110, size - 110, size - 110), outline=RED, width=6)
    font = ImageFont.truetype(FONT_BOLD, 34)
    _ring_text(img, "UBND XÃ TRÀ MY", centre=c, radius=160, start=math.radians(-165),
               end=math.radians(-15), font=font, bottom=False)
    _ring_text(img, "TỈNH QUẢNG NAM", centre=c, radius=160, start=math.radians(155),
               end=math.radians(25), font=font, bottom=True)
    star = []
    for k in range(10):
        r = 70 if k % 2 == 0 else 28
        a = -math.pi / 2 + k * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=RED)
    img.save(path, optimize=True)


if __name__ == "__main__":
    signature(HERE / "leader-signature.png")
    seal(HERE / "agency-seal.png")
    print("wrote", HERE / "leader-signature.png", HERE / "agency-seal.png")
