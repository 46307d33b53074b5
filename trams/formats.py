"""The scan file formats TRAMS reads: their file name suffixes and their first bytes.

Discovery goes by suffix (:mod:`trams.scanning.ingest`); the first bytes tell a damaged
scan from a foreign file, and what a file on standard input is (``trams ocr -``).
Images are read by Pillow, PDFs by pikepdf.

Files that look like a scan or a document but are in a format TRAMS does not read (a
phone's HEIC photo, a Word file, scans packed in a ZIP) are named with what to do, not
passed over in silence: :data:`NOT_READ`.
"""

from __future__ import annotations

PDF_SUFFIXES = frozenset({".pdf"})
IMAGE_SUFFIXES = frozenset({
    ".tif", ".tiff",  # TIFF: uncompressed, LZW, Deflate, PackBits, CCITT G3/G4, JPEG
    ".jpg", ".jpeg", ".jpe", ".jfif",
    ".png", ".bmp", ".gif", ".webp",
    ".jp2", ".j2k", ".jpf", ".jpx",  # JPEG 2000 (archives' masters)
    ".pnm", ".pbm", ".pgm", ".ppm",  # what SANE's scanimage writes by default
})
SCAN_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES

# (first bytes, the suffix of that format)
_SIGNATURES = (
    (b"%PDF", ".pdf"),
    (b"II*\x00", ".tif"), (b"MM\x00*", ".tif"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"BM", ".bmp"),
    (b"GIF87a", ".gif"), (b"GIF89a", ".gif"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", ".jp2"), (b"\xff\x4f\xff\x51", ".j2k"),
    *((f"P{n}".encode(), ".pnm") for n in range(1, 7)),
)
HEAD_BYTES = 16  # enough of a file's start for :func:`suffix_of`

# Formats a clerk may drop into the inbox that TRAMS does not read: suffix -> kind.
NOT_READ = {
    ".heic": "photo", ".heif": "photo", ".avif": "photo", ".jxl": "photo",
    ".doc": "office", ".docx": "office", ".odt": "office", ".rtf": "office",
    ".xls": "office", ".xlsx": "office", ".ods": "office",
    ".ppt": "office", ".pptx": "office", ".odp": "office",
    ".xps": "office", ".oxps": "office",
    ".zip": "packed", ".rar": "packed", ".7z": "packed",  # scans sent packed by e-mail
}


def suffix_of(head: bytes) -> str | None:
    """The scan format a file starting with ``head`` is in, as its usual suffix; None for
    anything else."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    for signature, suffix in _SIGNATURES:
        if head.startswith(signature):
            if suffix == ".pnm" and head[2:3] not in (b" ", b"\t", b"\n", b"\r", b"#"):
                return None
            return suffix
    return None
