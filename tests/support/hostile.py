"""Hostile inboxes for the fuzz harness (tests/run/test_fuzz_inbox.py), made from a seed.

An inbox holds a few GOOD documents (real text pages cut from the bundled sample scans,
each in one of the accepted formats TIFF, PNG, JPEG, BMP and PDF, some with odd names or
files that make Pillow warn) among BAD entries that must each fail alone with a reason:
truncated and malformed files of every format (GIF, WebP, JPEG 2000 and PGM too), a HEIC
photo, empty files, decompression bombs (PNG, TIFF, PDF), PDFs that are encrypted or
already carry text, symbolic links out of the inbox (to a scan, to a folder, to
/etc/passwd, dangling, looping) or inside it, FIFOs named like scans, and names no archive
can hold (a newline, 230 bytes). Outside the inbox lies a folder the links point into; it
must never change.

Everything is a function of ``random.Random(seed)``: a failing seed is replayed exactly.
"""

from __future__ import annotations

import io
import os
import random
import struct
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from support.pages import generator

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PAGES = [ROOT / "samples" / "scans" / "01-quyet-dinh" / "page1.tif",
                ROOT / "samples" / "scans" / "02-cong-van" / "page1.jpg",
                ROOT / "samples" / "scans" / "03-to-trinh" / "page1.png"]
FORMATS = ("tif", "png", "jpg", "bmp", "pdf")
# read too, but recording no resolution: only in damaged form here (a good one needs a
# default_dpi the harness's site does not set)
MORE_FORMATS = ("gif", "webp", "jp2", "pgm")
DPI = 300


# --- small building blocks (also used by the config tests) ----------------------------------
def png_bytes(size: tuple[int, int]) -> bytes:
    """A small transparent PNG with a blue stroke (a plausible signature image)."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, size[1] - 20), (size[0] - 10, 20)], fill=(0, 0, 200, 255),
                                width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(path: Path, *, side: int) -> Path:
    """A real decompression bomb: a 1-bit ``side`` x ``side`` PNG of zeros, a few hundred
    kilobytes on disk (30 000 x 30 000: 900 megapixels, 112 MB once decoded)."""
    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    body = bytearray()
    rows_per_step = max(1, (1 << 20) // len(row))
    remaining = side
    while remaining:
        step = min(rows_per_step, remaining)
        body += packer.compress(row * step)
        remaining -= step
    body += packer.flush()
    data = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0,
                                                                   0, 0))
            + _chunk(b"pHYs", struct.pack(">IIB", 11811, 11811, 1))
            + _chunk(b"IDAT", bytes(body)) + _chunk(b"IEND", b""))
    path.write_bytes(data)
    return path


def tiff_bomb(path: Path, *, side: int = 100_000) -> Path:
    """A TIFF whose header claims ``side`` x ``side`` pixels over a few bytes of strip."""
    entries = [(256, 4, 1, side), (257, 4, 1, side), (258, 3, 1, 1), (259, 3, 1, 1),
               (262, 3, 1, 0), (273, 4, 1, 8 + 2 + 12 * 9 + 4), (277, 3, 1, 1),
               (278, 4, 1, side), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, count, value) for tag, kind, count, value in entries)
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 4 + b"\x00" * 16)
    return path


def pdf_bomb(path: Path, *, side: int = 60_000) -> Path:
    """An image-only PDF whose image claims ``side`` x ``side`` pixels (zlib of zeros)."""
    import pikepdf

    pdf = pikepdf.new()
    row = b"\x00" * ((side + 7) // 8)
    data = zlib.compress(row * 64, 9)  # the stream is short; the claim is what matters
    image = pikepdf.Stream(pdf, data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = side, side, 1
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.FlateDecode
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    pdf.save(path)
    return path


def tiff_with_bad_tag(image: Image.Image, path: Path) -> Path:
    """A good TIFF page whose Software tag (after the resolution tags: Pillow skips every
    tag with data after a bad one) claims more bytes than the file has: Pillow reads the
    pixels and warns ("Tag data larger than file")."""
    image.convert("1").save(path, compression="group4", dpi=(DPI, DPI),
                            tiffinfo={305: "scanner"})
    data = bytearray(path.read_bytes())
    (ifd,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd)
    for i in range(count):
        at = ifd + 2 + 12 * i
        tag, _kind = struct.unpack_from("<HH", data, at)
        if tag == 305:
            struct.pack_into("<II", data, at + 4, 50_000_000, 8)
    path.write_bytes(bytes(data))
    return path


def save_page(image: Image.Image, path: Path, fmt: str) -> Path:
    """``image`` (mode L) as a scan file of format ``fmt`` at 300 dpi."""
    if fmt == "tif":
        image.convert("1").save(path, compression="group4", dpi=(DPI, DPI))
    elif fmt == "jpg":
        image.save(path, "JPEG", quality=85, dpi=(DPI, DPI))
    elif fmt == "png":
        image.save(path, "PNG", dpi=(DPI, DPI))
    elif fmt == "bmp":
        image.save(path, "BMP", dpi=(DPI, DPI))
    elif fmt == "pdf":
        image.convert("RGB").save(path, "PDF", resolution=DPI)
    elif fmt in MORE_FORMATS:
        image.save(path, {"gif": "GIF", "webp": "WEBP", "jp2": "JPEG2000", "pgm": "PPM"}[fmt])
    else:
        raise ValueError(fmt)
    return path


# --- good pages -----------------------------------------------------------------------------
_PAGES: dict[Path, Image.Image] = {}


def _sample(path: Path) -> Image.Image:
    """A sample page, upright, without its footer (the sample's own signer block: a good
    page gets the leader's block below its band of text, see :func:`signer_footer`)."""
    if path not in _PAGES:
        with Image.open(path) as page:
            gray = page.convert("L")
        if path.parent.name == "03-to-trinh":  # fed upside down
            gray = gray.rotate(180)
        truth = path.with_name(path.stem + ".gt.txt").read_text("utf-8")
        bottom = _footer_top(gray) if "Nơi nhận" in truth else gray.height
        _PAGES[path] = gray.crop((0, 0, gray.width, bottom))
    return _PAGES[path]


def _footer_top(page: Image.Image) -> int:
    """Where the footer starts: its left column ("Nơi nhận:", two lines under it) is the
    last three lines of text in the left third of the page."""
    strip = page.crop((0, 0, page.width // 3, page.height)).reduce((8, 2))
    data, width = strip.tobytes(), strip.width
    inked = [data[y * width:(y + 1) * width].count(0) > 0
             for y in range(strip.height)] if strip.mode == "1" else \
        [min(data[y * width:(y + 1) * width]) < 128 for y in range(strip.height)]
    starts = [y for y in range(1, len(inked)) if inked[y] and not inked[y - 1]]
    return max(0, (starts[-3] - 12) * 2) if len(starts) >= 3 else page.height


def _blank_rows(image: Image.Image) -> list[int]:
    """Rows with no ink (a cut there splits no line of text)."""
    small = image.reduce((8, 1)).point(lambda v: 255 if v > 200 else 0)
    width = small.width
    data = small.tobytes()
    return [y for y in range(small.height) if data[y * width:(y + 1) * width].count(0) == 0]


def good_page(rng: random.Random, used: set[tuple[int, int]]) -> Image.Image:
    """A band of 900-1400 pixels of real text cut from a sample page between two lines;
    each (page, band) once per inbox, so every good document has its own content."""
    for _attempt in range(200):
        which = rng.randrange(len(SAMPLE_PAGES))
        page = _sample(SAMPLE_PAGES[which])
        blank = _blank_rows(page)
        tops = [y for y in blank if y < page.height - 1000]
        if not tops:
            continue
        top = rng.choice(tops)
        height = rng.randrange(700, 1200)
        bottom = min((y for y in blank if y >= top + height), default=None)
        if bottom is None or (which, top) in used:
            continue
        band = page.crop((0, top, page.width, bottom))
        if band.histogram()[0] < 0.01 * band.width * band.height:
            continue  # too little text for the OCR quality gate
        used.add((which, top))
        footer = signer_footer()
        signed = Image.new("L", (band.width, band.height + footer.height), 255)
        signed.paste(band, (0, 0))
        signed.paste(footer.resize((band.width, footer.height)), (0, band.height))
        return signed
    raise RuntimeError("no text band found")


_FOOTER: list[Image.Image] = []


def signer_footer() -> Image.Image:
    """"Nơi nhận:" and the demo leader's signer block (TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH /
    Nguyễn Văn Hùng), drawn like the samples, to close a good page: the leader signs only a
    document whose own block prints the key holder's name."""
    if not _FOOTER:
        gen = generator()
        sheet = gen.RefSheet("LiberationSerif")
        sheet.y = 60
        bottom = sheet.band(
            [("Nơi nhận:", sheet.small_bold), ("- Như trên;", sheet.small),
             ("- Lưu: VT.", sheet.small)],
            [("TM. ỦY BAN NHÂN DÂN", sheet.bold), ("CHỦ TỊCH", sheet.bold), *[None] * 6,
             ("Nguyễn Văn Hùng", sheet.bold)],
            ((sheet.left, sheet.left + 900), (sheet.left + 760, gen.A4[0] - sheet.right + 60)),
            centre_left=False)
        _FOOTER.append(sheet.image.crop((0, 0, gen.A4[0], bottom + 60)))
    return _FOOTER[0]


# --- the inbox ------------------------------------------------------------------------------
@dataclass
class HostileInbox:
    root: Path
    outside: Path
    good: dict[str, str] = field(default_factory=dict)  # name -> expected source hash
    bad: dict[str, str] = field(default_factory=dict)  # name -> what it is
    links_out: list[str] = field(default_factory=list)  # bad entries that point outside


def _odd_name(rng: random.Random, stem: str) -> str:
    kind = rng.choice(["plain", "spaces", "nfd", "dash", "dots", "unicode"])
    if kind == "spaces":
        return f"bản scan {stem}"
    if kind == "nfd":
        return unicodedata.normalize("NFD", f"Quyết định {stem}")
    if kind == "dash":
        return f"-n {stem}"
    if kind == "dots":
        return f"a.b.{stem}"
    if kind == "unicode":
        return f"Tờ trình {stem} ☃"
    return stem


def _truncated(data: bytes, rng: random.Random) -> bytes:
    return data[: max(8, int(len(data) * rng.uniform(0.05, 0.8)))]


def _garbage(fmt: str, rng: random.Random) -> bytes:
    magic = {"tif": b"II*\x00\x08\x00\x00\x00", "png": b"\x89PNG\r\n\x1a\n",
             "jpg": b"\xff\xd8\xff\xe0", "bmp": b"BM", "pdf": b"%PDF-1.7\n",
             "gif": b"GIF89a", "webp": b"RIFF\x00\x10\x00\x00WEBPVP8 ",
             "jp2": b"\x00\x00\x00\x0cjP  \r\n\x87\n", "pgm": b"P5\n"}[fmt]
    return magic + rng.randbytes(rng.randrange(16, 4000))


def make_inbox(folder: Path, outside: Path, seed: int | str, *, goods: int = 3,
               bads: int = 14) -> HostileInbox:
    """An inbox of ``goods`` good documents (file grouping) and ``bads`` hostile entries."""
    from support.pdfmaker import one_page_pdf
    from trams.models import SourcePage
    from trams.pipeline import source_hash

    rng = random.Random(f"hostile-{seed}")
    folder.mkdir(parents=True)
    outside.mkdir(parents=True, exist_ok=True)
    inbox = HostileInbox(folder, outside)
    used: set[tuple[int, int]] = set()

    # outside the inbox: a good scan, a folder of scans, what links will aim at
    victim = save_page(good_page(rng, used), outside / "outside.png", "png")
    (outside / "folder").mkdir(exist_ok=True)
    save_page(good_page(rng, used), outside / "folder" / "inside-outside.jpg", "jpg")

    for n in range(goods):
        fmt = FORMATS[(n + rng.randrange(len(FORMATS))) % len(FORMATS)]
        name = f"{_odd_name(rng, f'good{n:02d}')}.{fmt}"
        path = folder / name
        page = good_page(rng, used)
        if fmt == "tif" and rng.random() < 0.5:
            tiff_with_bad_tag(page, path)  # Pillow warns while reading it
        else:
            save_page(page, path, fmt)
        inbox.good[name] = source_hash([SourcePage(path, 0)])

    def add(name: str, what: str, make: Callable[[Path], object]) -> None:
        make(folder / name)
        inbox.bad[name] = what

    def truncated(fmt: str) -> Callable[[Path], object]:
        def make(path: Path) -> None:
            save_page(good_page(rng, used), path, fmt)
            path.write_bytes(_truncated(path.read_bytes(), rng))
        return make

    def link_to(target: Path | str) -> Callable[[Path], object]:
        return lambda path: os.symlink(target, path)

    def fifo(path: Path) -> None:
        os.mkfifo(path)

    def encrypted_pdf(path: Path) -> None:
        import pikepdf

        save_page(good_page(rng, used), path, "pdf")
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            pdf.save(path, encryption=pikepdf.Encryption(owner="o", user="u"))

    kinds: list[tuple[str, Callable[[Path], object], str]] = [
        *[(f"truncated.{f}", truncated(f), f"truncated {f}") for f in FORMATS + MORE_FORMATS],
        *[(f"garbage.{f}", (lambda p, f=f: p.write_bytes(_garbage(f, rng))), f"malformed {f}")
          for f in FORMATS + MORE_FORMATS],
        ("photo.heic", lambda p: p.write_bytes(b"\x00\x00\x00\x18ftypheic"), "HEIC photo"),
        ("empty.tif", lambda p: p.write_bytes(b""), "empty file"),
        ("bomb.png", lambda p: png_bomb(p, side=30_000), "PNG decompression bomb"),
        ("bomb.tif", tiff_bomb, "TIFF decompression bomb"),
        ("bomb.pdf", pdf_bomb, "PDF decompression bomb"),
        ("text.pdf", lambda p: p.write_bytes(one_page_pdf()), "PDF with a text layer"),
        ("encrypted.pdf", encrypted_pdf, "encrypted PDF"),
        ("notes.tif", lambda p: p.write_text("not a scan\n"), "text named .tif"),
        ("link-out.png", link_to(victim), "link to a scan outside"),
        ("link-dir", link_to(outside / "folder"), "link to a folder outside"),
        ("passwd.tif", link_to("/etc/passwd"), "link to /etc/passwd"),
        ("dangling.jpg", link_to(outside / "nowhere.jpg"), "dangling link"),
        ("loop.tif", link_to("loop.tif"), "link to itself"),
        ("link-in.png", link_to(next(iter(inbox.good))), "link inside the inbox"),
        ("fifo.tif", fifo, "FIFO named like a scan"),
        ("new\nline.png", lambda p: save_page(good_page(rng, used), p, "png"),
         "newline in the name"),
        ("x" * 226 + ".png", lambda p: save_page(good_page(rng, used), p, "png"),
         "230-byte name"),
    ]
    rng.shuffle(kinds)
    for name, make, what in kinds[:bads]:
        add(name, what, make)
        if what.startswith("link to") and ("outside" in what or "passwd" in what):
            inbox.links_out.append(name)
    return inbox


def snapshot(root: Path, *, skip: tuple[Path, ...] = ()) -> dict[str, tuple]:
    """Every entry under ``root`` (not following links, ``skip`` left out) with what would
    show a change: type, size, mode, mtime, link target."""
    found: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d not in skip]
        for name in [*dirnames, *filenames]:
            path = here / name
            if path in skip:
                continue
            st = path.lstat()
            target = os.readlink(path) if path.is_symlink() else None
            found[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns,
                                                  target)
    return found
